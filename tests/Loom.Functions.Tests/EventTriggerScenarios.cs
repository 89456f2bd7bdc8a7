using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Triggers;
using Loom.Functions.Orchestration;
using Loom.Functions.Tests.Hosting;
using Loom.Functions.Triggers;
using Loom.SampleBackend;
using Loom.Storage.Queues;
using Loom.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Loom.Functions.Tests;

/// <summary>The Function App on the in-memory Durable backend, with the webhook's signing secret.</summary>
public sealed class TriggerInMemoryDurableHost() : HostFixture(LoomHostKind.DurableInMemory, "tim", HostFeatures.EventTriggers);

/// <summary>The Function App on DurableTask.AzureStorage against Azurite, with the webhook's signing secret.</summary>
public sealed class TriggerAzureStorageDurableHost() : HostFixture(LoomHostKind.DurableAzureStorage, "taz", HostFeatures.EventTriggers);

/// <summary>The self-hosted server on Azurite, its queue poller running, with the webhook's signing secret.</summary>
public sealed class TriggerServerHost() : HostFixture(LoomHostKind.Server, "tsv", HostFeatures.EventTriggers);

[Trait("Host", "durable-in-memory")]
public sealed class InMemoryDurableEventTriggerScenarios(TriggerInMemoryDurableHost fixture) : EventTriggerScenarios(fixture), IClassFixture<TriggerInMemoryDurableHost>;

[Trait("Host", "durable-azure-storage")]
public sealed class AzureStorageDurableEventTriggerScenarios(TriggerAzureStorageDurableHost fixture) : EventTriggerScenarios(fixture), IClassFixture<TriggerAzureStorageDurableHost>;

[Trait("Host", "server")]
public sealed class ServerEventTriggerScenarios(TriggerServerHost fixture) : EventTriggerScenarios(fixture), IClassFixture<TriggerServerHost>;

/// <summary>
/// Queue and webhook triggers, written once and run on every host: messages written to Azurite's queues, webhook calls over
/// HTTP. The Function App's pump is its timer function, called here as the Functions host fires it; the server's poller runs
/// by itself.
/// </summary>
public abstract class EventTriggerScenarios(HostFixture fixture) : HostSuite(fixture)
{
    /// <summary>A queue name of this test alone (Azurite is shared by every host of the suite).</summary>
    private string Q(string name) => $"{name}-{Fixture.Tag}-{Guid.NewGuid().ToString("N")[..8]}";

    private QueueClient Queue(string name)
    {
        var client = new QueueServiceClient(Fixture.Azurite.ConnectionString, AzureTriggerQueues.ClientOptions()).GetQueueClient(name);
        client.CreateIfNotExists();
        return client;
    }

    private string QueueWorkflow(string id, string queue) => $"""
        id: {id}
        params:
          region: none
          size: 1
        triggers:
          - queue: {queue}
        tasks:
          - id: work
            url: {B}/api/tasks/work
        """;

    [Fact]
    public async Task QueueMessage_StartsOneRunWithTheMessageAsParams()
    {
        var queue = Q("orders");
        await H.RegisterAsync(QueueWorkflow(W("queue-run"), queue));
        var sent = await Queue(queue).SendMessageAsync("""{"region":"eu","size":3}""");

        var runId = TriggerRunIds.ForQueueMessage(W("queue-run"), queue, sent.Value.MessageId);
        await UntilAsync(async () => await RunExistsAsync(runId), $"run {runId} to start");
        var run = await H.WaitForRunAsync(runId, Patience);

        Assert.Equal("succeeded", run["status"]!.GetValue<string>());
        var call = Assert.Single(Log.Items, r => r.RunId == runId);
        var parameters = JsonNode.Parse(call.Body)!["params"]!;
        Assert.Equal(("eu", 3), (parameters["region"]!.GetValue<string>(), parameters["size"]!.GetValue<int>()));
        await UntilAsync(async () => await CountAsync(Queue(queue)) == 0, "the message to be deleted");
        // Audited as a webhook-started run is: by the queue, naming the message.
        var audited = Assert.Single(await QueueAuditAsync(W("queue-run")));
        Assert.Equal(($"queue:{queue}", runId, $"message {sent.Value.MessageId}"),
            (audited["by"]!.GetValue<string>(), audited["runId"]!.GetValue<string>(), audited["detail"]!.GetValue<string>()));
    }

    [Fact]
    public async Task QueueMessage_DeliveredAgainAfterItsRunStarted_StartsNoSecondRun()
    {
        var queue = Q("redelivered");
        var workflowId = W("queue-dedup");
        await H.RegisterAsync(QueueWorkflow(workflowId, queue));
        var client = Queue(queue);
        await client.SendMessageAsync("""{"region":"us"}""");
        // Taken by another reader (invisible for a minute), so the pump cannot see it while the test sets up the redelivery.
        var taken = (await client.ReceiveMessageAsync(TimeSpan.FromMinutes(1))).Value;
        // The lease passes on (a new receipt, visible again in 2 s): whoever handles the first delivery can no longer delete it.
        var renewed = await client.UpdateMessageAsync(taken.MessageId, taken.PopReceipt, (string?)null, TimeSpan.FromSeconds(2));
        Assert.NotEqual(taken.PopReceipt, renewed.Value.PopReceipt);

        var first = await HandleAsync(new TriggerQueueMessage(queue, taken.MessageId, taken.PopReceipt, taken.Body.ToString(), taken.DequeueCount, taken.InsertedOn));

        Assert.Equal(QueueMessageResult.Started, first.Result);
        // The message comes back with its id; the pump takes it again and must find its run rather than start another.
        await UntilAsync(async () => await CountAsync(client) == 0, "the redelivered message to be deleted");
        var runs = await RunsOfAsync(workflowId);
        Assert.Equal([first.RunId!], runs);
        Assert.Equal("succeeded", (await H.WaitForRunAsync(first.RunId!, Patience))["status"]!.GetValue<string>());
        // One audit entry: the redelivery found the run and wrote none.
        Assert.Equal([first.RunId!], (await QueueAuditAsync(workflowId)).Select(e => e["runId"]!.GetValue<string>()));
    }

    [Fact]
    public async Task QueueMessage_ThatCannotStartARun_GoesToPoisonWithTheReason()
    {
        var queue = Q("bad");
        var workflowId = W("queue-poison");
        await H.RegisterAsync(QueueWorkflow(workflowId, queue));
        var client = Queue(queue);
        var notJson = (await client.SendMessageAsync("this is not json")).Value.MessageId;
        var unknown = (await client.SendMessageAsync("""{"regoin":"eu"}""")).Value.MessageId;
        var array = (await client.SendMessageAsync("[1,2]")).Value.MessageId;

        var poison = Queue(TriggerQueueNames.PoisonOf(queue));
        var reasons = new Dictionary<string, JsonObject>();
        await UntilAsync(async () =>
        {
            foreach (var message in (await poison.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value)
            {
                var envelope = JsonNode.Parse(message.Body.ToString())!.AsObject();
                reasons[envelope["messageId"]!.GetValue<string>()] = envelope;
            }

            return reasons.Count == 3;
        }, "three messages in the poison queue");

        Assert.Contains("not JSON", reasons[notJson]["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("this is not json", reasons[notJson]["message"]!.GetValue<string>());
        Assert.Contains("unknown parameter 'regoin'; did you mean 'region'?", reasons[unknown]["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("eu", reasons[unknown]["message"]!["regoin"]!.GetValue<string>());
        Assert.Contains("JSON object", reasons[array]["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.All(reasons.Values, r => Assert.Equal(workflowId, r["workflowId"]!.GetValue<string>()));
        await UntilAsync(async () => await CountAsync(client) == 0, "the bad messages to leave their queue");
        Assert.Empty(await RunsOfAsync(workflowId));
    }

    [Fact]
    public async Task QueueTrigger_QueueAnotherWorkflowDeclares_RefusedAtRegistrationNamingIt()
    {
        var queue = Q("shared");
        var owner = W("queue-owner");
        var second = W("queue-second");
        await H.RegisterAsync(QueueWorkflow(owner, queue));

        using (var content = new StringContent(QueueWorkflow(second, queue), Encoding.UTF8, "application/yaml"))
        using (var refused = await H.Client.PostAsync("/api/workflows", content))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var detail = (await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>();
            Assert.StartsWith($"Queue '{queue}' is declared by workflow '{owner}': a queue starts one workflow.", detail, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await H.Client.GetAsync($"/api/workflows/{second}")).StatusCode);
        // A new version of the owner keeps its queue; once the owner is deleted, the queue is free.
        await H.RegisterAsync(QueueWorkflow(owner, queue) + "\ndescription: version 2");
        using (var deleted = await H.Client.DeleteAsync($"/api/workflows/{owner}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        await H.RegisterAsync(QueueWorkflow(second, queue));
    }

    [Fact]
    public async Task Webhook_RightTokenStartsARun_WrongOrRotatedTokenIsNotFound()
    {
        var workflowId = W("hook");
        await H.RegisterAsync($"""
            id: {workflowId}
            params: {"{"} branch: none {"}"}
            triggers:
              - webhook: true
            tasks:
              - id: build
                url: {B}/api/tasks/build
            """);
        var url = await WebhookUrlAsync(workflowId);
        using var anonymous = H.NewClient(null);
        using var reader = H.NewClient(LoomTestServer.ReaderKey);
        var asReader = await reader.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflowId}");
        Assert.Null(asReader!["triggers"]!["webhook"]!["url"]);

        var started = await anonymous.PostAsJsonAsync(url, new JsonObject { ["branch"] = "main" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var runId = (await started.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();
        Assert.Equal("succeeded", (await H.WaitForRunAsync(runId, Patience))["status"]!.GetValue<string>());
        Assert.Equal("main", JsonNode.Parse(Assert.Single(Log.Items, r => r.RunId == runId).Body)!["params"]!["branch"]!.GetValue<string>());

        var wrong = url[..^4] + (url.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsJsonAsync(wrong, new JsonObject())).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsJsonAsync(url, new JsonObject { ["nope"] = 1 })).StatusCode);

        using var rotate = await H.Client.PostAsync($"/api/workflows/{workflowId}/webhook/rotate", null);
        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        var rotated = (await rotate.Content.ReadFromJsonAsync<JsonObject>())!["url"]!.GetValue<string>();
        Assert.NotEqual(url, rotated);
        Assert.Equal(rotated, await WebhookUrlAsync(workflowId));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.PostAsJsonAsync(url, new JsonObject())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync(rotated, new JsonObject())).StatusCode);

        var audit = await H.Client.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflowId}/audit");
        var actions = audit!["items"]!.AsArray().Select(i => i!["action"]!.GetValue<string>()).ToList();
        Assert.Equal(2, actions.Count(a => a == "webhook"));
        Assert.Contains("rotate-webhook", actions);
    }

    [Fact]
    public async Task Webhook_WithSigningSecret_RightSignatureStartsARun_BadOrMissingIsUnauthorized()
    {
        var workflowId = W("signed-hook");
        await H.RegisterAsync($"""
            id: {workflowId}
            params: {"{"} branch: none {"}"}
            triggers:
              - webhook: true
                signingSecret: ${"{{"} secrets.HOOK_SECRET {"}}"}
            tasks:
              - id: build
                url: {B}/api/tasks/build
            """);
        var url = await WebhookUrlAsync(workflowId);
        using var anonymous = H.NewClient(null);
        var body = """{"branch":"release"}""";

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostSignedAsync(anonymous, url, body, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostSignedAsync(anonymous, url, body, WebhookSignature.Sign("another-secret", Encoding.UTF8.GetBytes(body)))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostSignedAsync(anonymous, url, body + " ", WebhookSignature.Sign(HostFixture.HookSecret, Encoding.UTF8.GetBytes(body)))).StatusCode);

        using var started = await PostSignedAsync(anonymous, url, body, WebhookSignature.Sign(HostFixture.HookSecret, Encoding.UTF8.GetBytes(body)), "X-Hub-Signature-256");
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var runId = (await started.Content.ReadFromJsonAsync<JsonObject>())!["runId"]!.GetValue<string>();
        Assert.Equal("succeeded", (await H.WaitForRunAsync(runId, Patience))["status"]!.GetValue<string>());
        Assert.Empty(await RunsOfAsync(workflowId, except: runId));
    }

    private static async Task<HttpResponseMessage> PostSignedAsync(HttpClient client, string url, string body, string? signature, string header = "X-Loom-Signature")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null) request.Headers.Add(header, signature);
        return await client.SendAsync(request);
    }

    private async Task<string> WebhookUrlAsync(string workflowId)
    {
        var detail = await H.Client.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflowId}");
        var url = detail!["triggers"]!["webhook"]!["url"]!.GetValue<string>();
        Assert.StartsWith($"{H.BaseUrl}/api/hooks/{workflowId}/", url, StringComparison.Ordinal);
        return url;
    }

    /// <summary>The workflow's audit entries of queue-started runs.</summary>
    private async Task<List<JsonObject>> QueueAuditAsync(string workflowId)
    {
        var audit = await H.Client.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflowId}/audit");
        return [.. audit!["items"]!.AsArray().Select(i => i!.AsObject()).Where(i => i["action"]!.GetValue<string>() == "queue")];
    }

    private async Task<bool> RunExistsAsync(string runId)
    {
        using var response = await H.Client.GetAsync($"/api/runs/{Uri.EscapeDataString(runId)}");
        return response.StatusCode == HttpStatusCode.OK;
    }

    private async Task<List<string>> RunsOfAsync(string workflowId, string? except = null)
    {
        var list = await H.Client.GetFromJsonAsync<JsonObject>($"/api/runs?workflowId={workflowId}&limit=100");
        return [.. list!["items"]!.AsArray().Select(r => r!["runId"]!.GetValue<string>()).Where(id => id != except)];
    }

    private static async Task<int> CountAsync(QueueClient queue) => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    /// <summary>Runs the host's queue pump (the Function App's timer function; the server's poller runs by itself) until the condition holds.</summary>
    private async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            await PumpAsync();
            if (await condition()) return;
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }

    private async Task PumpAsync()
    {
        switch (H)
        {
            case FunctionAppHost app:
                app.Services.GetRequiredService<QueueTriggerPump>().Refresh();
                await ActivatorUtilities.CreateInstance<QueueTriggerFunction>(app.Services).RunAsync(new TimerInfo(), app.DurableClient, CancellationToken.None);
                break;
            case LoomTestServer server:
                server.Services.GetRequiredService<QueueTriggerPump>().Refresh();
                break;
        }
    }

    /// <summary>One delivery handed to the host's pump directly, as its poller or timer would.</summary>
    private Task<QueueMessageOutcome> HandleAsync(TriggerQueueMessage message) => H switch
    {
        FunctionAppHost app => app.Services.GetRequiredService<QueueTriggerPump>().HandleAsync(app.Services.GetRequiredService<DurableRunDrivers>().For(app.DurableClient), message),
        LoomTestServer server => server.Services.GetRequiredService<QueueTriggerPump>().HandleAsync(server.Services.GetRequiredService<IRunDriver>(), message),
        _ => throw new InvalidOperationException("unknown host"),
    };
}
