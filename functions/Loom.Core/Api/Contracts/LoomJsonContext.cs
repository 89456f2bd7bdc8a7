using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>
/// The one serializer context of the API's bodies, shared by Core's handlers, the CLI and the tests, and the source of the
/// OpenAPI document's schemas. camelCase names; nulls are written (clients rely on <c>"finishedAt": null</c>) except where a
/// record says a field is absent when null.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(HealthStatus))]
[JsonSerializable(typeof(DiagnosticsSnapshot))]
[JsonSerializable(typeof(WorkflowValidation))]
[JsonSerializable(typeof(WorkflowRegistered))]
[JsonSerializable(typeof(WorkflowList))]
[JsonSerializable(typeof(WorkflowDetail))]
[JsonSerializable(typeof(WorkflowVersionList))]
[JsonSerializable(typeof(WorkflowVersionSource))]
[JsonSerializable(typeof(WorkflowDeleted))]
[JsonSerializable(typeof(WorkflowPaused))]
[JsonSerializable(typeof(TriggerRequest))]
[JsonSerializable(typeof(BackfillRequest))]
[JsonSerializable(typeof(CancelRequest))]
[JsonSerializable(typeof(CallbackRequest))]
[JsonSerializable(typeof(RunAccepted))]
[JsonSerializable(typeof(BackfillStarted))]
[JsonSerializable(typeof(BackfillCancelled))]
[JsonSerializable(typeof(RunList))]
[JsonSerializable(typeof(RunDetail))]
[JsonSerializable(typeof(RunEventList))]
[JsonSerializable(typeof(RunEventView))]
[JsonSerializable(typeof(StreamEnd))]
[JsonSerializable(typeof(AttemptList))]
[JsonSerializable(typeof(RunCancelling))]
[JsonSerializable(typeof(CallbackAccepted))]
[JsonSerializable(typeof(RedriveRequest))]
[JsonSerializable(typeof(RunRedriving))]
[JsonSerializable(typeof(DeadLetterView))]
[JsonSerializable(typeof(DeadLetterList))]
[JsonSerializable(typeof(WorkflowAuditList))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(CircuitList))]
[JsonSerializable(typeof(WorkflowStats))]
[JsonSerializable(typeof(WebhookRotated))]
[JsonSerializable(typeof(ForEachInstanceList))]
public sealed partial class LoomJsonContext : JsonSerializerContext;
