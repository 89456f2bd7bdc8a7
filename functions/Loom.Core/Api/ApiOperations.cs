using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Loom.Core.Api.Contracts;

namespace Loom.Core.Api;

/// <summary>
/// The contract of every route for the OpenAPI document: operationId, request and response records, query parameters and
/// examples. A route without an entry fails the document (and its test), so a new route cannot ship undocumented.
/// </summary>
internal static class ApiOperations
{
    /// <summary>A request body: a contract record, or (Type null) a workflow source.</summary>
    public sealed record Body(JsonTypeInfo? Type, bool Required, JsonNode? Example = null);

    /// <summary>One documented answer.</summary>
    public sealed record Answer(string Status, string Description, JsonTypeInfo? Type, JsonNode? Example = null, bool Location = false, string? Media = null);

    /// <summary>A query or header parameter.</summary>
    public sealed record Parameter(string Name, string In, JsonObject Schema, string Description);

    /// <summary>One route's contract.</summary>
    public sealed record Operation(string OperationId, string Tag, IReadOnlyList<Answer> Responses, Body? Request = null, IReadOnlyList<Parameter>? QueryParameters = null)
    {
        /// <summary>Query and header parameters.</summary>
        public IReadOnlyList<Parameter> Query => QueryParameters ?? [];
    }

    private static readonly LoomJsonContext Json = LoomJsonContext.Default;
    private static readonly DateTimeOffset ExampleTime = new(2026, 12, 5, 3, 0, 0, TimeSpan.Zero);
    private const string ExampleRunId = "daily-report-20261205T030000Z";

    /// <summary>An example problem.</summary>
    public static readonly JsonNode ProblemExample = Example(new ApiProblem("https://loom.dev/problems/404", "Not found", 404, "No workflow with id 'nightly'."), Json.ApiProblem);

    /// <summary>The seed workflow, as the register and validate examples.</summary>
    public const string WorkflowYamlExample = """
        id: daily-report
        name: Daily Report
        schedule: "0 3 * * *"
        tasks:
          - id: fetch_data
            method: POST
            url: http://your-backend:8080/api/tasks/fetch-data
          - id: process
            method: POST
            url: http://your-backend:8080/api/tasks/process
            dependsOn: [fetch_data]
        """;

    private static readonly Body Workflow = new(null, true);

    private static readonly Dictionary<string, Operation> Operations = new(StringComparer.Ordinal)
    {
        ["POST /api/workflows"] = new("registerWorkflow", "workflows",
        [
            new("200", "The same content was registered already: nothing changed.", Json.WorkflowRegistered),
            new("201", "A new version was stored.", Json.WorkflowRegistered, Example(new WorkflowRegistered("daily-report", 1, true, []), Json.WorkflowRegistered), Location: true),
        ], Workflow),
        ["POST /api/workflows/validate"] = new("validateWorkflow", "workflows",
            [new("200", "Whether the workflow is valid, with every error.", Json.WorkflowValidation)], Workflow),
        ["GET /api/workflows"] = new("listWorkflows", "workflows", [new("200", "Every workflow.", Json.WorkflowList)]),
        ["GET /api/workflows/{id}"] = new("getWorkflow", "workflows", [new("200", "The workflow.", Json.WorkflowDetail)]),
        ["DELETE /api/workflows/{id}"] = new("deleteWorkflow", "workflows", [new("200", "Deleted.", Json.WorkflowDeleted)]),
        ["GET /api/workflows/{id}/versions"] = new("listWorkflowVersions", "workflows", [new("200", "Its versions.", Json.WorkflowVersionList)]),
        ["GET /api/workflows/{id}/versions/{version}"] = new("getWorkflowVersion", "workflows", [new("200", "The version.", Json.WorkflowVersionSource)]),
        ["POST /api/workflows/{id}/pause"] = new("pauseWorkflow", "workflows", [new("200", "Paused.", Json.WorkflowPaused)]),
        ["POST /api/workflows/{id}/resume"] = new("resumeWorkflow", "workflows", [new("200", "Resumed.", Json.WorkflowPaused)]),
        ["POST /api/workflows/{id}/runs"] = new("triggerRun", "runs",
            [new("202", "The run was started; Location is its status URL.", Json.RunAccepted, Example(new RunAccepted(ExampleRunId), Json.RunAccepted), Location: true)],
            new(Json.TriggerRequest, false, Example(new TriggerRequest(new JsonObject { ["region"] = "eu" }), Json.TriggerRequest))),
        ["POST /api/workflows/{id}/backfill"] = new("startBackfill", "runs",
            [new("202", "The runs started (and, with maxConcurrent, queued).", Json.BackfillStarted)],
            new(Json.BackfillRequest, true, Example(new BackfillRequest("2026-11-01T00:00:00Z", "2026-11-07T00:00:00Z", 2), Json.BackfillRequest))),
        ["DELETE /api/workflows/{id}/backfill"] = new("cancelBackfill", "runs", [new("200", "What was dropped.", Json.BackfillCancelled)]),
        ["GET /api/runs"] = new("listRuns", "runs", [new("200", "A page of runs, newest first.", Json.RunList)], QueryParameters:
        [
            new("workflowId", "query", new JsonObject { ["type"] = "string" }, "Only this workflow's runs."),
            new("status", "query", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("pending", "running", "succeeded", "failed", "cancelled") }, "Only runs in this status."),
            new("since", "query", new JsonObject { ["type"] = "string", ["format"] = "date-time" }, "Only runs created at or after this instant."),
            new("limit", "query", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 1000, ["default"] = 50 }, "Page size."),
            new("continuation", "query", new JsonObject { ["type"] = "string" }, "The continuation of the previous page."),
        ]),
        ["GET /api/runs/{runId}"] = new("getRun", "runs", [new("200", "The run and its tasks.", Json.RunDetail)]),
        ["GET /api/runs/{runId}/events"] = new("listRunEvents", "runs", [new("200", "The run's event log.", Json.RunEventList)]),
        [$"GET {LoomApi.StreamRoute}"] = new("streamRunEvents", "runs",
            [new("200", "Server-sent events: each data line is a RunEventView; an 'end' event (data: StreamEnd) once the run is final.", null, Media: "text/event-stream")],
            QueryParameters:
            [
                new("Last-Event-ID", "header", new JsonObject { ["type"] = "string" }, "Resume after this event id."),
                new("lastEventId", "query", new JsonObject { ["type"] = "string" }, "Resume after this event id (for clients that cannot set headers)."),
            ]),
        ["GET /api/runs/{runId}/tasks/{taskId}/attempts"] = new("listTaskAttempts", "runs", [new("200", "Every HTTP attempt of the task.", Json.AttemptList)]),
        ["POST /api/runs/{runId}/cancel"] = new("cancelRun", "runs",
            [new("202", "The cancel is on its way.", Json.RunCancelling, Location: true)], new(Json.CancelRequest, false)),
        ["POST /api/runs/{runId}/retry"] = new("retryRun", "runs", [new("202", "A new run re-runs what failed.", Json.RunAccepted, Location: true)]),
        ["POST /api/runs/{runId}/redrive"] = new("redriveRun", "runs",
            [new("202", "The run resumes in place; Location is its status URL.", Json.RunRedriving, Example(new RunRedriving(ExampleRunId, ["process"], "ops", 1), Json.RunRedriving), Location: true)],
            new(Json.RedriveRequest, false, Example(new RedriveRequest(["process"]), Json.RedriveRequest))),
        ["GET /api/deadletters"] = new("listDeadLetters", "deadletters", [new("200", "A page of open dead letters, newest first.", Json.DeadLetterList)], QueryParameters:
        [
            new("workflowId", "query", new JsonObject { ["type"] = "string" }, "Only this workflow's dead letters."),
            new("runId", "query", new JsonObject { ["type"] = "string" }, "Only this run's dead letters."),
            new("since", "query", new JsonObject { ["type"] = "string", ["format"] = "date-time" }, "Only dead letters at or after this instant."),
            new("limit", "query", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 1000, ["default"] = 50 }, "Page size."),
            new("continuation", "query", new JsonObject { ["type"] = "string" }, "The continuation of the previous page."),
        ]),
        ["GET /api/deadletters/{id}"] = new("getDeadLetter", "deadletters", [new("200", "The dead letter.", Json.DeadLetterView)]),
        ["DELETE /api/deadletters/{id}"] = new("acknowledgeDeadLetter", "deadletters", [new("200", "Acknowledged (the record is kept).", Json.DeadLetterView)]),
        ["GET /api/workflows/{id}/audit"] = new("listWorkflowAudit", "workflows", [new("200", "A page of the workflow's audit log, newest first.", Json.WorkflowAuditList)], QueryParameters:
        [
            new("limit", "query", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 1000, ["default"] = 50 }, "Page size."),
            new("continuation", "query", new JsonObject { ["type"] = "string" }, "The continuation of the previous page."),
        ]),
        ["POST /api/callbacks/{token}"] = new("completeCallback", "runs",
            [new("202", "The result was taken.", Json.CallbackAccepted)],
            new(Json.CallbackRequest, false, Example(new CallbackRequest("SUCCESS", new JsonObject { ["rows"] = 42 }), Json.CallbackRequest))),
        ["GET /api/health"] = new("getHealth", "host",
        [
            new("200", "Storage answers.", Json.HealthStatus, Example(new HealthStatus("healthy", "ok"), Json.HealthStatus)),
            new("503", "Storage does not answer.", Json.HealthStatus, Example(new HealthStatus("unhealthy", "unreachable"), Json.HealthStatus)),
        ]),
        ["GET /api/diagnostics"] = new("getDiagnostics", "host", [new("200", "This process's figures.", Json.DiagnosticsSnapshot)]),
        ["GET /api/openapi.json"] = new("getOpenApiDocument", "host", [new("200", "This document.", null, Media: "application/json")]),
    };

    /// <summary>The contract of <paramref name="route"/>; throws when it has none (a route added without its contract).</summary>
    public static Operation For(Route route) =>
        Operations.TryGetValue($"{route.Method} {route.Template}", out var operation)
            ? operation
            : throw new InvalidOperationException($"{route.Method} {route.Template} has no entry in ApiOperations.");

    private static JsonNode Example<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToNode(value, type)!;
}
