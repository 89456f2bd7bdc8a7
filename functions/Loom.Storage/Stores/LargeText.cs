using Azure.Data.Tables;

namespace Loom.Storage.Stores;

/// <summary>Stores text longer than one property may hold (64 KiB = 32K UTF-16 characters) across numbered properties: Name, Name_1, Name_2 ... and Name_Parts.</summary>
internal static class LargeText
{
    /// <summary>Characters per property, below the 32,768 the service allows.</summary>
    public const int ChunkChars = 32_000;

    public static void Write(TableEntity entity, string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length <= ChunkChars)
        {
            entity[name] = value;
            return;
        }

        var part = 0;
        var start = 0;
        while (start < value.Length)
        {
            var length = Math.Min(ChunkChars, value.Length - start);
            // Never split a surrogate pair across two properties.
            if (start + length < value.Length && char.IsHighSurrogate(value[start + length - 1]))
            {
                length--;
            }

            entity[part == 0 ? name : $"{name}_{part}"] = value.Substring(start, length);
            start += length;
            part++;
        }

        entity[name + "_Parts"] = part;
    }

    public static string? Read(TableEntity entity, string name)
    {
        var first = entity.GetString(name);
        var parts = entity.GetInt32(name + "_Parts");
        if (first is null || parts is null or <= 1)
        {
            return first;
        }

        var builder = new System.Text.StringBuilder(first, parts.Value * ChunkChars);
        for (var i = 1; i < parts.Value; i++)
        {
            builder.Append(entity.GetString($"{name}_{i}") ?? throw new InvalidDataException(
                $"Entity ({entity.PartitionKey}, {entity.RowKey}) is missing part {i} of {parts} of '{name}'."));
        }

        return builder.ToString();
    }
}
