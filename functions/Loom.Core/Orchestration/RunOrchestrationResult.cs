using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>What an orchestration generation returns.</summary>
/// <param name="RunId">Run id.</param>
/// <param name="Status">Final status, or Running when the generation continued as new.</param>
/// <param name="Reason">Why the run ended as it did.</param>
/// <param name="ContinuedAsNew">True when this generation handed over to a new one.</param>
public sealed record RunOrchestrationResult(string RunId, RunStatus Status, string? Reason, bool ContinuedAsNew);
