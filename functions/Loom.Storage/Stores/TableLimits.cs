using Azure.Data.Tables;

namespace Loom.Storage.Stores;

/// <summary>The Table service's limits, checked before sending so an oversized write fails with <see cref="StorageErrorKind.TooLarge"/> and nothing is sent.</summary>
internal static class TableLimits
{
    /// <summary>Most operations one entity group transaction may hold.</summary>
    public const int MaxTransactionActions = 100;

    /// <summary>The service's limit on an entity (1 MiB).</summary>
    public const long MaxEntityBytes = 1024 * 1024;

    /// <summary>The service's limit on one string or binary property (64 KiB; strings count UTF-16 bytes).</summary>
    public const int MaxPropertyBytes = 64 * 1024;

    /// <summary>The service's limit on properties per entity (252 plus the three system properties).</summary>
    public const int MaxProperties = 252;

    /// <summary>Keys the SDK keeps in an entity's dictionary beside the properties; the service sizes them apart or not at all.</summary>
    private static readonly HashSet<string> SystemProperties = new(StringComparer.Ordinal) { "PartitionKey", "RowKey", "Timestamp", "odata.etag" };

    /// <summary>Drops null properties (the service stores none; sending them only costs bytes) and throws when the entity exceeds a limit.</summary>
    public static void Prepare(TableEntity entity)
    {
        if (entity.Any(p => p.Value is null))
        {
            foreach (var name in entity.Where(p => p.Value is null).Select(p => p.Key).ToList())
            {
                entity.Remove(name);
            }
        }

        long size = 4 + (entity.PartitionKey.Length * 2L) + (entity.RowKey.Length * 2L);
        var count = 0;
        foreach (var (name, value) in entity)
        {
            if (SystemProperties.Contains(name))
            {
                continue;
            }

            count++;
            long valueSize = value switch
            {
                string s => 4 + (s.Length * 2L),
                byte[] b => 4 + b.Length,
                BinaryData b => 4 + b.ToMemory().Length,
                bool => 1,
                int => 4,
                long or double or DateTimeOffset or DateTime => 8,
                Guid => 16,
                _ => 0,
            };
            if (value is string or byte[] or BinaryData && valueSize - 4 > MaxPropertyBytes)
            {
                throw new StorageException(StorageErrorKind.TooLarge, 0, "PropertyValueTooLarge",
                    $"Property '{name}' of entity ({entity.PartitionKey}, {entity.RowKey}) is {valueSize - 4} bytes; Table storage allows {MaxPropertyBytes}.");
            }

            size += 8 + (name.Length * 2L) + valueSize;
        }

        if (count > MaxProperties)
        {
            throw new StorageException(StorageErrorKind.TooLarge, 0, "TooManyProperties",
                $"Entity ({entity.PartitionKey}, {entity.RowKey}) has {count} properties; Table storage allows {MaxProperties}.");
        }

        if (size > MaxEntityBytes)
        {
            throw new StorageException(StorageErrorKind.TooLarge, 0, "EntityTooLarge",
                $"Entity ({entity.PartitionKey}, {entity.RowKey}) is about {size} bytes; Table storage allows {MaxEntityBytes}.");
        }
    }

    /// <summary>Throws before sending when a transaction holds more operations than the service takes or spans partitions.</summary>
    public static void CheckTransaction(IReadOnlyList<TableTransactionAction> actions)
    {
        if (actions.Count > MaxTransactionActions)
        {
            throw new StorageException(StorageErrorKind.TooLarge, 0, "TooManyOperations",
                $"An entity group transaction holds at most {MaxTransactionActions} operations, not {actions.Count}.");
        }

        var partition = actions[0].Entity.PartitionKey;
        if (actions.Any(a => a.Entity.PartitionKey != partition))
        {
            throw new StorageException(StorageErrorKind.BadRequest, 0, "CommandsInBatchActOnDifferentPartitions",
                "Every operation of an entity group transaction must target the same partition.");
        }

        foreach (var action in actions)
        {
            if (action.ActionType != TableTransactionActionType.Delete && action.Entity is TableEntity entity)
            {
                Prepare(entity);
            }
        }
    }
}
