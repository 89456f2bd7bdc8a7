using System.Globalization;
using System.Security.Cryptography;
using Loom.Core.Api.Contracts;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Stores;
using Loom.Core.Triggers;

namespace Loom.Core.Api;

/// <summary>Handlers of the webhook routes: a call to a workflow's webhook URL, and an admin's rotation of that URL.</summary>
internal sealed class WebhookHandlers(ApiServices services)
{
    /// <summary>Largest webhook body: a run's params take at most <see cref="RunParameters.MaxChars"/> characters as JSON.</summary>
    public const int MaxBodyBytes = 128 * 1024;

    private readonly WebhookTokens _tokens = new(services.CallbackTokens);

    /// <summary>
    /// <c>POST /api/hooks/{workflowId}/{token}</c>: the token must be the workflow's current one (else 404, which says nothing about
    /// whether the workflow exists), the body signed when the trigger has a <c>signingSecret</c> (else 401); the body is the
    /// run's params. An <c>Idempotency-Key</c> (or GitHub's <c>X-GitHub-Delivery</c>) makes a repeated delivery answer with its run.
    /// </summary>
    public async Task<ApiResponse> HookAsync(RouteContext context)
    {
        var workflowId = context["workflowId"];
        var current = services.WebhookKeys is null ? null : await services.Workflows.GetCurrentAsync(workflowId, context.CancellationToken);
        if (current is not var (head, definition) || definition.Triggers.Webhook is not { } webhook
            || !_tokens.Verify(workflowId, await services.WebhookKeys!.GetAsync(workflowId, context.CancellationToken), context["token"]))
        {
            return NoHook();
        }

        var body = context.Request.Body.Span;
        if (body.Length > MaxBodyBytes)
        {
            return ApiResponse.Problem(413, "Payload too large", string.Create(CultureInfo.InvariantCulture,
                $"The body is {body.Length:N0} bytes; a webhook takes at most {MaxBodyBytes:N0} (its JSON is the run's params)."));
        }

        if (webhook.SigningSecret is { } secretName)
        {
            var secret = services.Secrets?.GetSecret(secretName);
            var problem = string.IsNullOrEmpty(secret)
                ? "this webhook checks signatures, but its signing secret is not configured on this host"
                : WebhookSignature.Check(secret, body, context.Request.HeaderValue(WebhookSignature.LoomHeader) ?? context.Request.HeaderValue(WebhookSignature.GitHubHeader));
            if (problem is not null)
            {
                return ApiResponse.Problem(401, "Bad signature", problem + ".");
            }
        }

        if (head.Paused)
        {
            return ApiResponse.Problem(409, "Workflow paused", $"Workflow '{workflowId}' is paused: it starts no runs until it is resumed; send again later.");
        }

        var (overrides, error) = TriggerParams.Read(body, definition);
        if (error is not null)
        {
            return ApiResponse.Problem(400, "Bad params", error + ".");
        }

        var delivery = context.Request.HeaderValue("Idempotency-Key") ?? context.Request.HeaderValue("X-GitHub-Delivery");
        var runId = TriggerRunIds.ForWebhook(workflowId, delivery is null ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : "key:" + delivery);
        var now = services.Clock.GetUtcNow();
        var state = RunStateMachine.Create(definition, head.CurrentVersion, runId, overrides, now, now) with { TriggeredBy = "webhook" };
        try
        {
            await services.Driver.StartAsync(definition, state, "webhook", context.CancellationToken);
        }
        catch (StoreConflictException)
        {
            // The same delivery again: its run exists already.
            return ApiResponse.Json(200, new RunAccepted(runId), LoomJsonContext.Default.RunAccepted, Location(runId));
        }

        await services.Audit.AppendAsync(new WorkflowAuditRecord(workflowId, now, "webhook", "webhook", runId, delivery is null ? null : $"delivery {Shorten(delivery)}"), context.CancellationToken);
        return ApiResponse.Json(202, new RunAccepted(runId), LoomJsonContext.Default.RunAccepted, Location(runId));
    }

    /// <summary><c>POST /api/workflows/{id}/webhook/rotate</c>: a new salt, so a new URL; the old URL answers 404 from now on.</summary>
    public async Task<ApiResponse> RotateAsync(RouteContext context)
    {
        var (head, definition) = await new WorkflowHandlers(services).RequireCurrentAsync(context);
        if (definition.Triggers.Webhook is null)
        {
            return ApiResponse.Problem(409, "No webhook", $"Workflow '{head.WorkflowId}' has no webhook trigger; add '- webhook: true' to its triggers.");
        }

        if (services.WebhookKeys is not { } keys)
        {
            return ApiResponse.Problem(404, "Not found", "This host keeps no webhook keys.");
        }

        var salt = WebhookTokens.NewSalt();
        await keys.SetAsync(head.WorkflowId, salt, context.CancellationToken);
        await AuditTrail.RecordAsync(services, context, head.WorkflowId, "rotate-webhook");
        return ApiResponse.Ok(new WebhookRotated(head.WorkflowId, Url(head.WorkflowId, salt)), LoomJsonContext.Default.WebhookRotated);
    }

    /// <summary>The workflow's triggers as shown by <c>GET /api/workflows/{id}</c>: the webhook URL only for an admin.</summary>
    public async Task<TriggersView?> ViewAsync(RouteContext context, WorkflowDefinition definition)
    {
        var triggers = definition.Triggers;
        if (triggers.Queues.Count == 0 && triggers.Webhook is null) return null;
        WebhookView? webhook = null;
        if (triggers.Webhook is { } hook)
        {
            var admin = services.Authorizer.Authorize(context.Request) >= ApiRole.Admin && services.WebhookKeys is not null;
            var url = admin ? Url(definition.Id, await services.WebhookKeys!.GetAsync(definition.Id, context.CancellationToken)) : null;
            webhook = new WebhookView(url, hook.SigningSecret);
        }

        return new TriggersView([.. triggers.Queues], webhook);
    }

    private string Url(string workflowId, string? salt) =>
        $"{services.Options.PublicBaseUrl.TrimEnd('/')}/api/hooks/{Uri.EscapeDataString(workflowId)}/{_tokens.Create(workflowId, salt)}";

    private static ApiResponse NoHook() => ApiResponse.Problem(404, "Not found", "No webhook answers at this URL (unknown workflow, no webhook trigger, or a token that was rotated).");

    private static Dictionary<string, string> Location(string runId) => new() { ["Location"] = $"/api/runs/{Uri.EscapeDataString(runId)}" };

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100];
}
