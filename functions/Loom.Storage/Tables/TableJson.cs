using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Loom.Storage.Tables;

/// <summary>Entity (de)serialization in the Table service's JSON format, and the service's size accounting.</summary>
internal static class TableJson
{
    /// <summary>The service's limit on an entity (1 MiB).</summary>
    public const long MaxEntityBytes = 1024 * 1024;

    /// <summary>The service's limit on one string or binary property (64 KiB; strings count UTF-16 bytes).</summary>
    public const int MaxPropertyBytes = 64 * 1024;

    /// <summary>The service's limit on properties per entity (252 plus the three system properties).</summary>
    public const int MaxProperties = 252;

    private static readonly string[] Reserved = ["PartitionKey", "RowKey", "Timestamp", "odata.etag"];

    public static byte[] Serialize(TableEntity entity, bool includeKeys = true)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (includeKeys)
            {
                writer.WriteString("PartitionKey", entity.PartitionKey);
                writer.WriteString("RowKey", entity.RowKey);
            }

            foreach (var (name, value) in entity)
            {
                if (value is null || Reserved.Contains(name, StringComparer.Ordinal))
                {
                    continue;
                }

                WriteProperty(writer, name, value);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteProperty(Utf8JsonWriter writer, string name, object value)
    {
        switch (value)
        {
            case string s:
                writer.WriteString(name, s);
                break;
            case bool b:
                writer.WriteBoolean(name, b);
                break;
            case int i:
                writer.WriteNumber(name, i);
                break;
            case long l:
                writer.WriteString(name + "@odata.type", "Edm.Int64");
                writer.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                writer.WriteString(name + "@odata.type", "Edm.Double");
                if (double.IsFinite(d))
                {
                    writer.WriteNumber(name, d);
                }
                else
                {
                    writer.WriteString(name, double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                }

                break;
            case DateTimeOffset dto:
                writer.WriteString(name + "@odata.type", "Edm.DateTime");
                writer.WriteString(name, dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
                break;
            case DateTime dt:
                WriteProperty(writer, name, new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime()));
                break;
            case Guid g:
                writer.WriteString(name + "@odata.type", "Edm.Guid");
                writer.WriteString(name, g.ToString("D"));
                break;
            case byte[] bytes:
                writer.WriteString(name + "@odata.type", "Edm.Binary");
                writer.WriteString(name, Convert.ToBase64String(bytes));
                break;
            default:
                throw new StorageException(StorageErrorKind.BadRequest, 0, "InvalidPropertyType",
                    $"Property '{name}' has type {value.GetType().Name}, which Table storage cannot hold.");
        }
    }

    public static TableEntity Deserialize(JsonElement element)
    {
        var entity = new TableEntity();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.EndsWith("@odata.type", StringComparison.Ordinal))
            {
                types[property.Name[..^"@odata.type".Length]] = property.Value.GetString() ?? "";
            }
        }

        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            var value = property.Value;
            switch (name)
            {
                case "PartitionKey":
                    entity.PartitionKey = value.GetString() ?? "";
                    continue;
                case "RowKey":
                    entity.RowKey = value.GetString() ?? "";
                    continue;
                case "Timestamp":
                    entity.Timestamp = DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                    continue;
                case "odata.etag":
                    entity.ETag = value.GetString();
                    continue;
            }

            if (name.StartsWith("odata.", StringComparison.Ordinal) || name.Contains('@', StringComparison.Ordinal))
            {
                continue;
            }

            types.TryGetValue(name, out var type);
            entity[name] = ReadValue(value, type);
        }

        return entity;
    }

    private static object? ReadValue(JsonElement value, string? type) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when type == "Edm.Double" => value.GetDouble(),
        JsonValueKind.Number when type == "Edm.Int64" => value.GetInt64(),
        JsonValueKind.Number => value.TryGetInt32(out var i) ? (object)i : value.GetDouble(),
        JsonValueKind.String => type switch
        {
            "Edm.Int64" => long.Parse(value.GetString()!, CultureInfo.InvariantCulture),
            "Edm.Double" => double.Parse(value.GetString()!, CultureInfo.InvariantCulture),
            "Edm.DateTime" => DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            "Edm.Guid" => Guid.Parse(value.GetString()!),
            "Edm.Binary" => Convert.FromBase64String(value.GetString()!),
            _ => value.GetString(),
        },
        _ => value.GetRawText(),
    };

    /// <summary>Checks the service's limits before sending, so an oversized entity fails with <see cref="StorageErrorKind.TooLarge"/> and nothing is sent.</summary>
    public static void EnsureWithinLimits(TableEntity entity)
    {
        long size = 4 + (entity.PartitionKey.Length * 2L) + (entity.RowKey.Length * 2L);
        var count = 0;
        foreach (var (name, value) in entity)
        {
            if (value is null)
            {
                continue;
            }

            count++;
            long valueSize = value switch
            {
                string s => 4 + (s.Length * 2L),
                byte[] b => 4 + b.Length,
                bool => 1,
                int => 4,
                long or double or DateTimeOffset or DateTime => 8,
                Guid => 16,
                _ => 0,
            };
            if (value is string or byte[] && valueSize - 4 > MaxPropertyBytes)
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

    /// <summary>Quotes a key for an entity address: single quotes doubled, then percent-encoded.</summary>
    public static string KeyLiteral(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));

    /// <summary>Builds an OData string literal for a $filter.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
