using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;

namespace Loom.Core.Orchestration;

/// <summary>An external event for a run: its name and payload, as the host raises it.</summary>
/// <param name="Name">Event name.</param>
/// <param name="Payload">Payload: an <see cref="AttemptOutcome"/> for a callback, a <see cref="CancelRunRequest"/> for a cancel.</param>
public sealed record RunExternalEvent(string Name, object Payload);
