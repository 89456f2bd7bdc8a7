using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>Payload of the <c>cancel</c> external event.</summary>
/// <param name="Reason">Why the run is cancelled.</param>
/// <param name="By">The name of the API key that asked.</param>
public sealed record CancelRunRequest(string? Reason, string? By = null);
