using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>An RFC 9457 problem: every 4xx and 5xx answer of the API.</summary>
public sealed record ApiProblem(
    [property: Description("A URI naming the kind of problem.")] string Type,
    [property: Description("Short summary.")] string Title,
    [property: Description("HTTP status.")] int Status,
    [property: Description("What happened and what to do."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null,
    [property: Description("For an invalid workflow: every error with line and column."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<WorkflowError>? Errors = null);

/// <summary>Answer of <c>GET /api/health</c> (200 healthy, 503 unhealthy).</summary>
public sealed record HealthStatus(
    [property: Description("healthy or unhealthy.")] string Status,
    [property: Description("ok or unreachable.")] string Storage);

/// <summary>A run the engine cannot make progress on.</summary>
public sealed record StalledRunView(
    [property: Description("Run id.")] string RunId,
    [property: Description("The last error.")] string Error,
    [property: Description("Since when.")] DateTimeOffset Since,
    [property: Description("Failed attempts to commit.")] int Failures);

/// <summary>Storage requests sent by this process, when counting is on.</summary>
public sealed record StorageFigures(
    [property: Description("True when counting.")] bool Counting,
    [property: Description("Table requests."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Tables = null,
    [property: Description("All requests."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Total = null);

/// <summary>Answer of <c>GET /api/diagnostics</c> (self-hosted server only): this process's figures.</summary>
public sealed record DiagnosticsSnapshot(
    [property: Description("CPU time used.")] double CpuSeconds,
    [property: Description("Working set.")] long WorkingSetBytes,
    [property: Description("Peak working set.")] long PeakWorkingSetBytes,
    [property: Description("Managed heap in use.")] long GcHeapBytes,
    [property: Description("Managed memory committed.")] long GcCommittedBytes,
    [property: Description("Times memory was given back.")] long MemoryTrims,
    [property: Description("Versions kept parsed.")] int CachedWorkflowVersions,
    [property: Description("Runs held by the engine.")] int ActiveRuns,
    [property: Description("Runs finished since start.")] long RunsFinished,
    [property: Description("Runs that cannot progress (at most 50).")] IReadOnlyList<StalledRunView> StalledRuns,
    [property: Description("Storage requests.")] StorageFigures Storage);
