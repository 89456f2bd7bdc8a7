using System.Text.Json;
using Azure.Data.Tables;
using Loom.Core.Circuits;

namespace Loom.Storage.Stores;

/// <summary>
/// Circuit breakers in Table storage: one row per target origin (partition = the encoded origin), replaced only if its ETag
/// still matches, so every process on the account decides on the same row.
/// </summary>
public sealed class TableCircuitStore(TableServiceClient service, TableStoreOptions? options = null) : ICircuitStore
{
    private const string Row = "circuit";
    private readonly LoomTable _table = new(service, (options ?? new TableStoreOptions()).CircuitsTable);

    /// <inheritdoc />
    public async Task<CircuitRecord?> GetAsync(string origin, CancellationToken cancellationToken = default)
    {
        var row = await _table.GetAsync(TableKey.Encode(origin), Row, cancellationToken).ConfigureAwait(false);
        return row is null ? null : Read(row);
    }

    /// <inheritdoc />
    public async Task<CircuitRecord?> TrySaveAsync(CircuitRecord circuit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(circuit);
        var entity = new TableEntity(TableKey.Encode(circuit.Origin), Row)
        {
            ["Origin"] = circuit.Origin,
            ["Status"] = circuit.Status.ToString(),
            ["Failures"] = JsonSerializer.Serialize(circuit.Failures.Select(f => f.ToUnixTimeMilliseconds())),
            ["WindowMs"] = (long)circuit.Window.TotalMilliseconds,
            ["OpenedAt"] = circuit.OpenedAt,
            ["RetryAt"] = circuit.RetryAt,
            ["ProbeUntil"] = circuit.ProbeUntil,
            ["Version"] = circuit.Version,
        };
        try
        {
            var etag = circuit.ETag is null
                ? await _table.AddAsync(entity, cancellationToken).ConfigureAwait(false)
                : await _table.UpdateAsync(entity, circuit.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return circuit with { ETag = etag };
        }
        catch (StorageException e) when (e.Kind is StorageErrorKind.Conflict or StorageErrorKind.PreconditionFailed or StorageErrorKind.EntityNotFound)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CircuitRecord>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        var rows = new List<CircuitRecord>();
        // The first rows in the table's order (a row per origin a breaker ever called: few), answered by origin.
        await foreach (var row in _table.QueryAsync(null, null, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Read(row));
            if (rows.Count >= limit) break;
        }

        return [.. rows.OrderBy(r => r.Origin, StringComparer.Ordinal)];
    }

    private static CircuitRecord Read(TableEntity row) => new()
    {
        Origin = row.GetString("Origin") ?? TableKey.Decode(row.PartitionKey),
        Status = Enum.TryParse<CircuitStatus>(row.GetString("Status"), out var status) ? status : CircuitStatus.Closed,
        Failures = [.. (JsonSerializer.Deserialize<long[]>(row.GetString("Failures") ?? "[]") ?? []).Select(DateTimeOffset.FromUnixTimeMilliseconds)],
        Window = TimeSpan.FromMilliseconds(row.GetInt64("WindowMs") ?? 0),
        OpenedAt = row.GetDateTimeOffset("OpenedAt"),
        RetryAt = row.GetDateTimeOffset("RetryAt"),
        ProbeUntil = row.GetDateTimeOffset("ProbeUntil"),
        Version = row.GetInt64("Version") ?? 0,
        ETag = row.ETag.ToString(),
    };
}
