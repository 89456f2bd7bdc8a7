using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>The orchestration's custom status: progress a status query can show without reading storage.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="Status">Run status.</param>
/// <param name="Tasks">Number of tasks per task status (camelCase names), zero counts omitted.</param>
/// <param name="Generation">ContinueAsNew generation.</param>
public sealed record RunProgress(string RunId, RunStatus Status, IReadOnlyDictionary<string, int> Tasks, int Generation);
