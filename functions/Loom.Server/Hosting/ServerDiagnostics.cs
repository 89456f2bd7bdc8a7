using System.Diagnostics;
using System.Text.Json.Nodes;
using Loom.Core.Api;
using Loom.Server.Engine;
using Loom.Storage;

namespace Loom.Server.Hosting;

/// <summary>The figures behind <c>GET /api/diagnostics</c>: this process's CPU time and memory, the engine's run counts and, when counting is on, the storage requests sent.</summary>
internal sealed class ServerDiagnostics(SelfHostedRunDriver engine, WorkflowCatalog workflows, MemoryTrimmer trimmer, StorageRequestCounter? counter)
{
    /// <summary>A snapshot; cheap enough to poll (no storage access).</summary>
    public JsonObject Snapshot()
    {
        using var process = Process.GetCurrentProcess();
        return new JsonObject
        {
            ["cpuSeconds"] = process.TotalProcessorTime.TotalSeconds,
            ["workingSetBytes"] = process.WorkingSet64,
            ["peakWorkingSetBytes"] = process.PeakWorkingSet64,
            ["gcHeapBytes"] = GC.GetTotalMemory(forceFullCollection: false),
            ["gcCommittedBytes"] = GC.GetGCMemoryInfo().TotalCommittedBytes,
            ["memoryTrims"] = trimmer.Trims,
            ["cachedWorkflowVersions"] = workflows.CachedCount,
            ["activeRuns"] = engine.ActiveCount,
            ["runsFinished"] = engine.FinishedCount,
            ["stalledRuns"] = new JsonArray([.. engine.Stalled.Take(50).Select(r => (JsonNode)new JsonObject
            {
                ["runId"] = r.RunId,
                ["error"] = r.Error,
                ["since"] = r.Since,
                ["failures"] = r.Failures,
            })]),
            ["storage"] = counter is null
                ? new JsonObject { ["counting"] = false }
                : new JsonObject { ["counting"] = true, ["tables"] = counter.Total, ["total"] = counter.Total },
        };
    }
}
