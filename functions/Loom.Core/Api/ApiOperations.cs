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

    /// <summary>One route's contract; the document's description is the route's own line, then <paramref name="Notes"/>.</summary>
    /// <param name="OperationId">Name a generated client gives the call.</param>
    /// <param name="Tag">Group in the document.</param>
    /// <param name="Responses">Documented answers besides the problems (4xx), which follow from the route.</param>
    /// <param name="Request">The body, if it takes one.</param>
    /// <param name="QueryParameters">Query and header parameters.</param>
    /// <param name="Summary">A short title (a few words); the route's line when absent.</param>
    /// <param name="Notes">What a caller should know beyond the route's line.</param>
    /// <param name="Conflict">True when the state can refuse it (409).</param>
    public sealed record Operation(string OperationId, string Tag, IReadOnlyList<Answer> Responses, Body? Request = null, IReadOnlyList<Parameter>? QueryParameters = null,
        string? Summary = null, string? Notes = null, bool Conflict = false)
    {
        /// <summary>Query and header parameters.</summary>
        public IReadOnlyList<Parameter> Query => QueryParameters ?? [];
    }

    private static readonly LoomJsonContext Json = LoomJsonContext.Default;
    private static readonly DateTimeOffset ExampleTime = new(2026, 12, 5, 3, 0, 0, TimeSpan.Zero);
    private const string ExampleRunId = "daily-report-20261205T030000Z";

    /// <summary>A kind of problem an operation may answer with: its status, its name under components/responses, and an example.</summary>
    public sealed record ProblemKind(string Status, string Name, string Description, JsonNode Example);

    /// <summary>The problems (RFC 9457) the API answers with, in status order; which ones an operation lists follows from its route.</summary>
    public static readonly IReadOnlyList<ProblemKind> Problems =
    [
        Problem(400, "BadRequest", "Bad input: the problem names the field or value and says what it must be.", "Bad maxConcurrent", "maxConcurrent must be a whole number from 1 to 1000."),
        Problem(401, "Unauthorized", "No valid API key.", "Unauthorized", "Send a valid API key in the x-functions-key header (or the code query parameter)."),
        Problem(403, "Forbidden", "The key's role is below the one the operation needs.", "Forbidden", "This key has the reader role; POST /api/workflows needs admin."),
        Problem(404, "NotFound", "No such workflow, version, run, task or callback.", "Not found", "No workflow with id 'nightly'."),
        Problem(409, "Conflict", "The state refuses it: the run is final already, there is nothing to retry, a backfill is under way, the callback is not expected.",
            "Run already finished", $"Run '{ExampleRunId}' already succeeded; there is nothing to cancel."),
        Problem(413, "PayloadTooLarge", "The body is over the size limit (every route checks it before anything else).", "Payload too large", "The body is 2000000 bytes; the limit is 1048576."),
    ];

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

    private static readonly RunDetail ExampleRun = new(
        ExampleRunId, "daily-report", 1, Engine.RunStatus.Succeeded, "schedule", ExampleTime, ExampleTime, ExampleTime.AddSeconds(2.5), ExampleTime.AddSeconds(0.1),
        2400, null, null, [], new Dictionary<string, int> { ["succeeded"] = 2 },
        [
            new TaskStateView("fetch_data", Engine.TaskRunStatus.Succeeded, 1, 3, [], 0, ExampleTime.AddSeconds(0.1), ExampleTime.AddSeconds(1.2), null, null, 200,
                new JsonObject { ["rows"] = 42 }, false, "http", null, null),
            new TaskStateView("process", Engine.TaskRunStatus.Succeeded, 1, 3, ["fetch_data"], 1, ExampleTime.AddSeconds(1.3), ExampleTime.AddSeconds(2.5), null, null, 200,
                null, false, "http", null, null),
        ],
        "4bf92f3577b34da6a3ce929d0e0e4736");

    private static readonly Dictionary<string, Operation> Operations = new(StringComparer.Ordinal)
    {
        ["POST /api/workflows"] = new("registerWorkflow", "workflows",
        [
            new("200", "The same content was registered already: nothing changed.", Json.WorkflowRegistered),
            new("201", "A new version was stored.", Json.WorkflowRegistered, Example(new WorkflowRegistered("daily-report", 1, true, []), Json.WorkflowRegistered), Location: true),
        ], Workflow, Conflict: true,
            Summary: "Register a workflow", Notes: "Send the YAML as written (`Content-Type: application/yaml`, e.g. `curl --data-binary @workflow.yaml`). The same content again changes nothing (200); changed content stores a new version (201). An invalid workflow is a 400 listing every error with line and column, and nothing is stored. A queue trigger naming a queue another workflow already declares is a 409 naming that workflow."),
        ["POST /api/workflows/validate"] = new("validateWorkflow", "workflows",
            [new("200", "Whether the workflow is valid, with every error.", Json.WorkflowValidation, Example(new WorkflowValidation(false, "daily-report", 1,
                [new WorkflowError(7, 10, "'url' must be an absolute http or https URL", "tasks[1].url")], []), Json.WorkflowValidation))], Workflow,
            Summary: "Validate a workflow", Notes: "Any readable body answers 200: `valid` says whether it would register, `errors` lists each problem with line and column, `warnings` what registers but probably does not do what was meant."),
        ["GET /api/workflows"] = new("listWorkflows", "workflows", [new("200", "Every workflow.", Json.WorkflowList)],
            Summary: "List workflows"),
        ["GET /api/workflows/{id}"] = new("getWorkflow", "workflows", [new("200", "The workflow.", Json.WorkflowDetail)],
            Summary: "Get a workflow"),
        ["DELETE /api/workflows/{id}"] = new("deleteWorkflow", "workflows", [new("200", "Deleted.", Json.WorkflowDeleted)],
            Summary: "Delete a workflow", Notes: "Runs under way finish; a backfill under way drops what it has not started."),
        ["GET /api/workflows/{id}/versions"] = new("listWorkflowVersions", "workflows", [new("200", "Its versions.", Json.WorkflowVersionList)],
            Summary: "List a workflow's versions"),
        ["GET /api/workflows/{id}/versions/{version}"] = new("getWorkflowVersion", "workflows", [new("200", "The version.", Json.WorkflowVersionSource)],
            Summary: "Get a version's source"),
        ["POST /api/workflows/{id}/pause"] = new("pauseWorkflow", "workflows", [new("200", "Paused.", Json.WorkflowPaused)],
            Summary: "Pause a workflow"),
        ["POST /api/workflows/{id}/resume"] = new("resumeWorkflow", "workflows", [new("200", "Resumed.", Json.WorkflowPaused)],
            Summary: "Resume a workflow"),
        ["POST /api/workflows/{id}/runs"] = new("triggerRun", "runs",
            [new("202", "The run was started; Location is its status URL.", Json.RunAccepted, Example(new RunAccepted(ExampleRunId), Json.RunAccepted), Location: true)],
            new(Json.TriggerRequest, false, Example(new TriggerRequest(new JsonObject { ["region"] = "eu" }), Json.TriggerRequest)),
            Summary: "Start a run", Notes: "Parameters not given take the workflow's defaults; an undeclared parameter is a 400. Follow the run at the `Location` URL until its status is final (succeeded, failed or cancelled)."),
        ["POST /api/workflows/{id}/backfill"] = new("startBackfill", "runs",
            [new("202", "The runs started (and, with maxConcurrent, queued).", Json.BackfillStarted, Example(new BackfillStarted(
                ["daily-report@20261101T030000Z", "daily-report@20261102T030000Z"], ["daily-report@20261103T030000Z"], [], 3, 2), Json.BackfillStarted))],
            new(Json.BackfillRequest, true, Example(new BackfillRequest("2026-11-01T00:00:00Z", "2026-11-07T00:00:00Z", 2), Json.BackfillRequest)),
            Conflict: true, Summary: "Backfill a time range", Notes: "One run per schedule occurrence from `from` to `to`; an occurrence that ran already is not run again (listed in `alreadyExisting`). With `maxConcurrent` the occurrences are queued and started as earlier runs finish."),
        ["DELETE /api/workflows/{id}/backfill"] = new("cancelBackfill", "runs", [new("200", "What was dropped.", Json.BackfillCancelled)],
            Summary: "Cancel a backfill"),
        ["GET /api/runs"] = new("listRuns", "runs", [new("200", "A page of runs, newest first.", Json.RunList)], QueryParameters:
        [
            new("workflowId", "query", new JsonObject { ["type"] = "string" }, "Only this workflow's runs."),
            new("status", "query", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("pending", "running", "succeeded", "failed", "cancelled") }, "Only runs in this status."),
            new("since", "query", new JsonObject { ["type"] = "string", ["format"] = "date-time" }, "Only runs created at or after this instant."),
            new("limit", "query", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 1000, ["default"] = 50 }, "Page size."),
            new("continuation", "query", new JsonObject { ["type"] = "string" }, "The continuation of the previous page."),
        ],
            Summary: "List runs", Notes: "Pass `continuation` from one page to get the next; it is null on the last page."),
        ["GET /api/runs/{runId}"] = new("getRun", "runs", [new("200", "The run and its tasks.", Json.RunDetail, Example(ExampleRun, Json.RunDetail))],
            Summary: "Get a run", Notes: "The run is final once its status is succeeded, failed or cancelled."),
        ["GET /api/runs/{runId}/events"] = new("listRunEvents", "runs", [new("200", "The run's event log, or a page of it.", Json.RunEventList)],
            QueryParameters:
            [
                new("after", "query", new JsonObject { ["type"] = "integer", ["format"] = "int64", ["minimum"] = -1 }, "Only events with a sequence above this one (the last sequence already read; -1 for the start)."),
                new("limit", "query", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = ListingQuery.MaxLimit }, $"Page size; {ListingQuery.MaxLimit} when only after is given."),
            ],
            Summary: "List a run's events", Notes: "Without `after` or `limit` the whole log comes back. To follow a log, pass the last sequence read as `after` (and a `limit`): only newer events are read; `next` is the `after` of the next page while more events are stored, null at the end of the log so far (poll again later with the last sequence)."),
        [$"GET {LoomApi.StreamRoute}"] = new("streamRunEvents", "runs",
            [new("200", "Server-sent events: each data line is a RunEventView; an 'end' event (data: StreamEnd) once the run is final.", null, Media: "text/event-stream")],
            QueryParameters:
            [
                new("Last-Event-ID", "header", new JsonObject { ["type"] = "string" }, "Resume after this event id."),
                new("lastEventId", "query", new JsonObject { ["type"] = "string" }, "Resume after this event id (for clients that cannot set headers)."),
            ],
            Summary: "Stream a run's events"),
        ["GET /api/runs/{runId}/tasks/{taskId}/attempts"] = new("listTaskAttempts", "runs", [new("200", "Every HTTP attempt of the task.", Json.AttemptList)],
            Summary: "List a task's attempts"),
        ["POST /api/runs/{runId}/cancel"] = new("cancelRun", "runs",
            [new("202", "The cancel is on its way.", Json.RunCancelling, Example(new RunCancelling(ExampleRunId, "cancelling"), Json.RunCancelling), Location: true)],
            new(Json.CancelRequest, false, Example(new CancelRequest("deploying a fix first"), Json.CancelRequest)),
            Conflict: true, Summary: "Cancel a run", Notes: "A run already final is a 409."),
        ["POST /api/runs/{runId}/retry"] = new("retryRun", "runs", [new("202", "A new run re-runs what failed.", Json.RunAccepted, Location: true)],
            Conflict: true, Summary: "Retry a failed run", Notes: "The new run keeps what succeeded and re-runs what failed, was cancelled, or was skipped because of it (a forEach task runs only its instances that did not succeed, keeping the others' outputs, unless the task its list comes from runs again). A run with nothing to retry is a 409."),
        ["POST /api/runs/{runId}/redrive"] = new("redriveRun", "runs",
            [new("202", "The run resumes in place; Location is its status URL.", Json.RunRedriving, Example(new RunRedriving(ExampleRunId, ["process"], "ops", 1), Json.RunRedriving), Location: true)],
            new(Json.RedriveRequest, false, Example(new RedriveRequest(["process"]), Json.RedriveRequest)),
            Conflict: true, Summary: "Redrive a run in place", Notes: "Resumes a failed or cancelled run under the same run id: succeeded tasks are kept, the failed ones (or the named ones) and their downstream run again (a forEach task runs only its instances that did not succeed, unless the task its list comes from runs again), attempt numbers continue, and the run's open dead letters are acknowledged. A run that is not failed or cancelled is a 409; an unknown task name is a 400."),
        ["GET /api/deadletters"] = new("listDeadLetters", "deadletters", [new("200", "A page of open dead letters, newest first.", Json.DeadLetterList)], QueryParameters:
        [
            new("workflowId", "query", new JsonObject { ["type"] = "string" }, "Only this workflow's dead letters."),
            new("runId", "query", new JsonObject { ["type"] = "string" }, "Only this run's dead letters."),
            new("since", "query", new JsonObject { ["type"] = "string", ["format"] = "date-time" }, "Only dead letters at or after this instant."),
            new("limit", "query", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 1000, ["default"] = 50 }, "Page size."),
            new("continuation", "query", new JsonObject { ["type"] = "string" }, "The continuation of the previous page."),
        ], Summary: "List dead letters", Notes: "Tasks that failed for good, and runs that failed without a failed task (run timeout, a change storage kept refusing), until acknowledged."),
        ["GET /api/deadletters/{id}"] = new("getDeadLetter", "deadletters", [new("200", "The dead letter.", Json.DeadLetterView)], Summary: "Get a dead letter"),
        ["DELETE /api/deadletters/{id}"] = new("acknowledgeDeadLetter", "deadletters", [new("200", "Acknowledged (the record is kept).", Json.DeadLetterView)], Summary: "Acknowledge a dead letter"),
        ["GET /api/workflows/{id}/audit"] = new("listWorkflowAudit", "workflows", [new("200", "A page of the workflow's audit log, newest first.", Json.WorkflowAuditList)], QueryParameters:
        [
            new("limit", "query", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 1000, ["default"] = 50 }, "Page size."),
            new("continuation", "query", new JsonObject { ["type"] = "string" }, "The continuation of the previous page."),
        ], Summary: "List a workflow's audit log", Notes: "Who did what to the workflow and its runs, by API key name (never the key)."),
        ["POST /api/callbacks/{token}"] = new("completeCallback", "runs",
            [new("202", "The result was taken.", Json.CallbackAccepted)],
            new(Json.CallbackRequest, false, Example(new CallbackRequest("SUCCESS", new JsonObject { ["rows"] = 42 }), Json.CallbackRequest)),
            Conflict: true, Summary: "Complete a callback task", Notes: "A task with `completion: callback` gets this URL as `callbackUrl` in its request body; the backend answers 202 and posts the result here when done. An empty body means SUCCESS. Authenticated by the token in the URL, so no API key."),
        ["GET /api/health"] = new("getHealth", "host",
        [
            new("200", "Storage answers.", Json.HealthStatus, Example(new HealthStatus("healthy", "ok"), Json.HealthStatus)),
            new("503", "Storage does not answer.", Json.HealthStatus, Example(new HealthStatus("unhealthy", "unreachable"), Json.HealthStatus)),
        ],
            Summary: "Check health"),
        ["GET /api/diagnostics"] = new("getDiagnostics", "host", [new("200", "This process's figures.", Json.DiagnosticsSnapshot)],
            Summary: "Get process figures"),
        ["GET /api/openapi.json"] = new("getOpenApiDocument", "host", [new("200", "This document.", null, Media: "application/json")],
            Summary: "Get this OpenAPI document"),
        ["GET /api/circuits"] = new("listCircuits", "circuits", [new("200", "Every target origin's circuit, by origin.", Json.CircuitList, Example(new CircuitList(
            [new CircuitView("http://your-backend:8080", Circuits.CircuitStatus.Open, 5, ExampleTime, ExampleTime.AddSeconds(30))]), Json.CircuitList))],
            Summary: "List circuit breakers", Notes: "One row per target origin that a task with `circuitBreaker` has called, shared by every run and process on the storage account and read fresh from storage. While a circuit is open, attempts to its origin are held (not sent, not counted against `maxAttempts`) until `retryAt`; then one probe closes or re-opens it."),
        ["GET /api/workflows/{id}/stats"] = new("getWorkflowStats", "workflows",
            [new("200", "The workflow's statistics over the range.", Json.WorkflowStats, Example(new WorkflowStats("daily-report", ExampleTime.AddDays(-7), ExampleTime, 20, 18, 2, 0, 0.9,
                2400, 5100, 3, 2, 0.15, [new TaskStatsView("process", 20, 2, 3, 1200, 3900), new TaskStatsView("fetch_data", 20, 0, 0, 900, 1100)], 0.0905), Json.WorkflowStats))],
            QueryParameters:
            [
                new("since", "query", new JsonObject { ["type"] = "string", ["format"] = "date-time" }, "Runs that ended at or after this instant's hour; default 7 days ago, at most 31 days ago."),
                new("top", "query", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = StatsHandlers.MaxTop, ["default"] = StatsHandlers.DefaultTop }, "How many of the slowest tasks to list."),
            ],
            Summary: "Get a workflow's run statistics", Notes: "Computed from hourly aggregates kept as runs end (never by reading runs), so it answers in a bounded time whatever the history, and keeps counting runs that retention deleted since. Percentiles come from log-scale histograms and are within `percentileError` of the exact value."),
        ["POST /api/workflows/{id}/webhook/rotate"] = new("rotateWorkflowWebhook", "workflows",
            [new("200", "The new webhook URL.", Json.WebhookRotated, Example(new WebhookRotated("github-push", "https://loom.example.com/api/hooks/github-push/8mJ2vQ0cJ9yH3kqfVfN1sQ6bX4tR7wZ2aLpE5uD0gYc"), Json.WebhookRotated))],
            Conflict: true, Summary: "Rotate a workflow's webhook URL", Notes: "The URL shown before stops starting runs at once (it answers 404). A workflow without `- webhook: true` in its triggers is a 409."),
        ["POST /api/hooks/{workflowId}/{token}"] = new("callWebhook", "runs",
        [
            new("202", "The run was started.", Json.RunAccepted, Example(new RunAccepted("github-push@w3f2a9c0d1e4b5a6f7c8d"), Json.RunAccepted), Location: true),
            new("200", "The same delivery (Idempotency-Key or X-GitHub-Delivery) came before: its run.", Json.RunAccepted),
            new("401", "The trigger has a signingSecret and the body's signature is missing or wrong.", Json.ApiProblem),
        ],
            new(Json.JsonObject, false, new JsonObject { ["branch"] = "main" }),
            QueryParameters:
            [
                new("X-Loom-Signature", "header", new JsonObject { ["type"] = "string" }, "sha256=<hex HMAC-SHA256 of the raw body under the trigger's signingSecret>."),
                new("X-Hub-Signature-256", "header", new JsonObject { ["type"] = "string" }, "The same, as GitHub sends it."),
                new("Idempotency-Key", "header", new JsonObject { ["type"] = "string" }, "A delivery id: the same key again answers with the same run."),
            ],
            Conflict: true, Summary: "Start a run from a webhook",
            Notes: "The URL comes from the workflow's `- webhook: true` trigger (admins see it in GET /api/workflows/{id}); it needs no API key. The JSON body is the run's params (at most 128 KiB). A wrong or rotated token is a 404; a paused workflow is a 409."),
        ["GET /api/runs/{runId}/tasks/{taskId}/instances"] = new("listTaskInstances", "runs",
            [new("200", "A page of the task's instances, in item order.", Json.ForEachInstanceList, Example(new ForEachInstanceList(ExampleRunId, "each", 5, 0,
            [
                new ForEachInstanceView("each[0]", 0, Engine.TaskRunStatus.Succeeded, 1, ExampleTime.AddSeconds(1), ExampleTime.AddSeconds(1.4), null, null, 200),
                new ForEachInstanceView("each[1]", 1, Engine.TaskRunStatus.Retrying, 1, ExampleTime.AddSeconds(1), null, ExampleTime.AddSeconds(3), "HTTP 503", 503),
                new ForEachInstanceView("each[2]", 2, Engine.TaskRunStatus.Pending, 0, null, null, null, null, null),
            ]), Json.ForEachInstanceList))],
            QueryParameters:
            [
                new("offset", "query", new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = Definitions.ForEachInstances.MaxItems, ["default"] = 0 }, "Index of the first instance."),
                new("limit", "query", new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = ForEachViews.MaxPageSize, ["default"] = ForEachViews.DefaultPageSize }, "Page size."),
            ],
            Summary: "List a forEach task's instances", Notes: "Each instance's status comes from the run; attempt, times and reason of a final instance from its attempt rows (an instance's every attempt is listed under its own id, e.g. `each[3]`, at the attempts route). The run's view counts them by status under the task (`instances`). A task without forEach is a 400; `total` is 0 until its list is resolved."),
    };

    /// <summary>The contract of <paramref name="route"/>; throws when it has none (a route added without its contract).</summary>
    public static Operation For(Route route) =>
        Operations.TryGetValue($"{route.Method} {route.Template}", out var operation)
            ? operation
            : throw new InvalidOperationException($"{route.Method} {route.Template} has no entry in ApiOperations.");

    private static JsonNode Example<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToNode(value, type)!;

    private static ProblemKind Problem(int status, string name, string description, string title, string detail) =>
        new(status.ToString(System.Globalization.CultureInfo.InvariantCulture), name, description,
            Example(new ApiProblem($"https://loom.dev/problems/{status}", title, status, detail), Json.ApiProblem));
}
