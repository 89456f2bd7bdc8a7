using System.Diagnostics;
using Loom.Core.Api;
using Loom.Core.Api.Contracts;
using Loom.Core.Definitions;
using Loom.Server.Engine;
using Loom.Storage;

namespace Loom.Server.Hosting;

/// <summary>The figures behind <c>GET /api/diagnostics</c>: this process's CPU time, memory and allocations, the engine's run counts and, when counting is on, the storage requests sent.</summary>
internal sealed class ServerDiagnostics(SelfHostedRunDriver engine, WorkflowCatalog workflows, MemoryTrimmer trimmer, StorageRequestCounter? counter)
{
    /// <summary>A snapshot; cheap enough to poll (no storage access).</summary>
    public DiagnosticsSnapshot Snapshot()
    {
        using var process = Process.GetCurrentProcess();
        return new DiagnosticsSnapshot(
            process.TotalProcessorTime.TotalSeconds,
            process.WorkingSet64,
            process.PeakWorkingSet64,
            GC.GetTotalMemory(forceFullCollection: false),
            GC.GetGCMemoryInfo().TotalCommittedBytes,
            trimmer.Trims,
            workflows.CachedCount,
            engine.ActiveCount,
            engine.FinishedCount,
            [.. engine.Stalled.Take(50).Select(r => new StalledRunView(r.RunId, r.Error, r.Since, r.Failures))],
            counter is null ? new StorageFigures(false) : new StorageFigures(true, counter.Total, counter.Total),
            GC.GetTotalAllocatedBytes(precise: false));
    }
}
