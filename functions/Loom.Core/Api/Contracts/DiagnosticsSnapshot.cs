using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

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
    [property: Description("Storage requests.")] StorageFigures Storage,
    [property: Description("Bytes allocated on the managed heap since start (all threads).")] long AllocatedBytes);
