using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>An RFC 9457 problem: every 4xx and 5xx answer of the API.</summary>
/// <param name="Type">A URI naming the kind of problem.</param>
/// <param name="Title">Short summary.</param>
/// <param name="Status">HTTP status.</param>
/// <param name="Detail">What happened and what to do.</param>
/// <param name="Errors">For an invalid workflow: every error with line and column.</param>
public sealed record ApiProblem(
    string Type, string Title, int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<WorkflowError>? Errors = null);

/// <summary>Answer of <c>GET /api/health</c> (200 healthy, 503 unhealthy).</summary>
/// <param name="Status">healthy or unhealthy.</param>
/// <param name="Storage">ok or unreachable.</param>
public sealed record HealthStatus(string Status, string Storage);

/// <summary>A run the engine cannot make progress on.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="Error">The last error.</param>
/// <param name="Since">Since when.</param>
/// <param name="Failures">Failed attempts to commit.</param>
public sealed record StalledRunView(string RunId, string Error, DateTimeOffset Since, int Failures);

/// <summary>Storage requests sent by this process, when counting is on.</summary>
/// <param name="Counting">True when counting.</param>
/// <param name="Tables">Table requests.</param>
/// <param name="Total">All requests.</param>
public sealed record StorageFigures(
    bool Counting,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Tables = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Total = null);

/// <summary>Answer of <c>GET /api/diagnostics</c> (self-hosted server only): this process's figures.</summary>
/// <param name="CpuSeconds">CPU time used.</param>
/// <param name="WorkingSetBytes">Working set.</param>
/// <param name="PeakWorkingSetBytes">Peak working set.</param>
/// <param name="GcHeapBytes">Managed heap in use.</param>
/// <param name="GcCommittedBytes">Managed memory committed.</param>
/// <param name="MemoryTrims">Times memory was given back.</param>
/// <param name="CachedWorkflowVersions">Versions kept parsed.</param>
/// <param name="ActiveRuns">Runs held by the engine.</param>
/// <param name="RunsFinished">Runs finished since start.</param>
/// <param name="StalledRuns">Runs that cannot progress (at most 50).</param>
/// <param name="Storage">Storage requests.</param>
public sealed record DiagnosticsSnapshot(
    double CpuSeconds, long WorkingSetBytes, long PeakWorkingSetBytes, long GcHeapBytes, long GcCommittedBytes, long MemoryTrims,
    int CachedWorkflowVersions, int ActiveRuns, long RunsFinished, IReadOnlyList<StalledRunView> StalledRuns, StorageFigures Storage);
