using System.Globalization;

namespace Loom.Storage.Tables;

/// <summary>A Table entity: keys, ETag and timestamp plus named properties (string, bool, int, long, double, DateTimeOffset, Guid, byte[]).</summary>
/// <remarks>Values keep their Edm type on the wire (Int64, DateTime, Guid and Binary are annotated with @odata.type).</remarks>
public sealed class TableEntity : Dictionary<string, object?>
{
    /// <summary>Creates an empty entity.</summary>
    public TableEntity()
        : base(StringComparer.Ordinal)
    {
    }

    /// <summary>Creates an entity with its keys.</summary>
    public TableEntity(string partitionKey, string rowKey)
        : this()
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    /// <summary>Partition key.</summary>
    public string PartitionKey { get; set; } = "";

    /// <summary>Row key.</summary>
    public string RowKey { get; set; } = "";

    /// <summary>The ETag the service returned; null for an entity not read from the service.</summary>
    public string? ETag { get; set; }

    /// <summary>The service's last-modified timestamp.</summary>
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>A string property, or null.</summary>
    public string? GetString(string name) => TryGetValue(name, out var v) && v is not null ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;

    /// <summary>An Int32 property, or null.</summary>
    public int? GetInt32(string name) => TryGetValue(name, out var v) ? v switch
    {
        int i => i,
        long l => checked((int)l),
        double d => checked((int)d),
        string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => i,
        _ => null,
    } : null;

    /// <summary>An Int64 property, or null.</summary>
    public long? GetInt64(string name) => TryGetValue(name, out var v) ? v switch
    {
        long l => l,
        int i => i,
        double d => checked((long)d),
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        _ => null,
    } : null;

    /// <summary>A Double property, or null.</summary>
    public double? GetDouble(string name) => TryGetValue(name, out var v) ? v switch
    {
        double d => d,
        int i => i,
        long l => l,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    } : null;

    /// <summary>A Boolean property, or null.</summary>
    public bool? GetBoolean(string name) => TryGetValue(name, out var v) ? v switch
    {
        bool b => b,
        string s when bool.TryParse(s, out var b) => b,
        _ => null,
    } : null;

    /// <summary>A DateTime property, or null.</summary>
    public DateTimeOffset? GetDateTimeOffset(string name) => TryGetValue(name, out var v) ? v switch
    {
        DateTimeOffset d => d,
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) => d,
        _ => null,
    } : null;

    /// <summary>A Guid property, or null.</summary>
    public Guid? GetGuid(string name) => TryGetValue(name, out var v) ? v switch
    {
        Guid g => g,
        string s when Guid.TryParse(s, out var g) => g,
        _ => null,
    } : null;

    /// <summary>A Binary property, or null.</summary>
    public byte[]? GetBinary(string name) => TryGetValue(name, out var v) ? v switch
    {
        byte[] b => b,
        string s => Convert.FromBase64String(s),
        _ => null,
    } : null;
}
