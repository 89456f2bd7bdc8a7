using Loom.Core.Api.Contracts;
using Loom.Core.Api.Streaming;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Statistics;
using Loom.Core.Stores;
using Loom.Core.Templating;

namespace Loom.Core.Api;

/// <summary>Limits and switches of the HTTP API.</summary>
public sealed record ApiOptions
{
    /// <summary>Largest request body accepted (default 1 MiB).</summary>
    public int MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Most runs one backfill may start.</summary>
    public int MaxBackfillRuns { get; init; } = 1000;

    /// <summary>Base URL the backend uses to reach the callback endpoint, e.g. http://loom:8080 (default: <see cref="LocalAddress.Url"/>).</summary>
    public string PublicBaseUrl { get; init; } = LocalAddress.Url;
}

/// <summary>Everything the API handlers need, supplied by the host.</summary>
public sealed record ApiServices
{
    /// <summary>Workflow definitions.</summary>
    public required WorkflowCatalog Workflows { get; init; }

    /// <summary>Runs.</summary>
    public required IRunStore Runs { get; init; }

    /// <summary>Attempt history.</summary>
    public required IAttemptStore Attempts { get; init; }

    /// <summary>Event logs.</summary>
    public required IEventStore Events { get; init; }

    /// <summary>The engine that runs the state machine.</summary>
    public required IRunDriver Driver { get; init; }

    /// <summary>Scheduler bookkeeping: where a backfill with <c>maxConcurrent</c> keeps the occurrences it has not started yet.</summary>
    public required ISchedulerStateStore SchedulerStates { get; init; }

    /// <summary>Dead letters: tasks that failed for good and runs that failed without one.</summary>
    public required IDeadLetterStore DeadLetters { get; init; }

    /// <summary>Each workflow's audit log of operator and admin actions.</summary>
    public required IWorkflowAuditStore Audit { get; init; }

    /// <summary>The hour buckets of the run statistics; null on a host without them (the statistics route answers 501).</summary>
    public IRunStatsStore? Stats { get; init; }

    /// <summary>Key checks.</summary>
    public required IApiAuthorizer Authorizer { get; init; }

    /// <summary>Callback token signing.</summary>
    public required CallbackTokens CallbackTokens { get; init; }

    /// <summary>The clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Answers whether storage is reachable, for /api/health.</summary>
    public Func<CancellationToken, Task<bool>> StorageHealthy { get; init; } = _ => Task.FromResult(true);

    /// <summary>Secrets for templates (never returned by the API).</summary>
    public ISecretProvider? Secrets { get; init; }

    /// <summary>Limits.</summary>
    public ApiOptions Options { get; init; } = new();

    /// <summary>Process figures for the admin-only <c>GET /api/diagnostics</c>; null when the host offers none (the route answers 404).</summary>
    public Func<DiagnosticsSnapshot>? Diagnostics { get; init; }

    /// <summary>
    /// Signalled by the host's engine at every commit of a run; null on a host that cannot hold connections open (the Function
    /// App), where <c>GET /api/runs/{runId}/stream</c> answers 501 and clients poll <c>/events</c>.
    /// </summary>
    public RunCommitSignal? CommitSignal { get; init; }

    /// <summary>Limits of the event streams.</summary>
    public StreamOptions Streams { get; init; } = new();

    /// <summary>The circuit breakers' shared state, for <c>GET /api/circuits</c>; null lists none.</summary>
    public Circuits.CircuitBreakers? Circuits { get; init; }

    /// <summary>Each workflow's webhook salt; null on a host without one (webhook routes answer 404).</summary>
    public IWebhookKeyStore? WebhookKeys { get; init; }

    /// <summary>Told about unexpected exceptions (the host logs them); the client gets a 500 problem without details.</summary>
    public Action<Exception, ApiRequest>? OnError { get; init; }
}
