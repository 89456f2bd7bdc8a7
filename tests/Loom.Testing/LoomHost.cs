using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Loom.Testing;

/// <summary>A running Loom host (the self-hosted server or the Function App) as its API clients see it.</summary>
public interface ILoomHost : IAsyncDisposable
{
    /// <summary>Base URL of the host, e.g. http://127.0.0.1:5123.</summary>
    string BaseUrl { get; }

    /// <summary>A client with the admin key.</summary>
    HttpClient Client { get; }

    /// <summary>A client sending <paramref name="key"/> as <c>x-functions-key</c> (none when null).</summary>
    HttpClient NewClient(string? key);
}

/// <summary>What every test does through a host's API: register, trigger, poll.</summary>
public static class LoomHostClient
{
    /// <summary>Registers a YAML workflow, asserts it was accepted and returns its id.</summary>
    public static async Task<string> RegisterAsync(this ILoomHost host, string yaml)
    {
        using var content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
        var response = await host.Client.PostAsync("/api/workflows", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"register failed: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    /// <summary>Triggers a run and returns its id.</summary>
    public static async Task<string> TriggerAsync(this ILoomHost host, string workflowId, JsonObject? parameters = null)
    {
        var response = await host.Client.PostAsJsonAsync($"/api/workflows/{workflowId}/runs", new JsonObject { ["params"] = parameters ?? [] });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"trigger failed: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["runId"]!.GetValue<string>();
    }

    /// <summary>The run as <c>GET /api/runs/{id}</c> returns it.</summary>
    public static async Task<JsonObject> GetRunAsync(this ILoomHost host, string runId) =>
        (JsonObject)JsonNode.Parse(await host.Client.GetStringAsync($"/api/runs/{Uri.EscapeDataString(runId)}"))!;

    /// <summary>Polls a run until it is final, or until <paramref name="until"/> holds (or fails the test after the timeout).</summary>
    public static async Task<JsonObject> WaitForRunAsync(this ILoomHost host, string runId, TimeSpan? timeout = null, Func<JsonObject, bool>? until = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        until ??= r => Loom.Core.Engine.RunStatuses.IsFinal(r["status"]!.GetValue<string>());
        JsonObject run;
        do
        {
            run = await host.GetRunAsync(runId);
            if (until(run)) return run;
            await System.Threading.Tasks.Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"run {runId} did not reach the expected state in time: {run.ToJsonString()}");
        return run;
    }

    /// <summary>POSTs without a body and asserts 200 (pause, resume).</summary>
    public static async Task PostAsync(this ILoomHost host, string path)
    {
        using var response = await host.Client.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>One task of a run view.</summary>
    public static JsonObject Task(JsonObject run, string taskId) =>
        (JsonObject)run["tasks"]!.AsArray().First(t => t!["id"]!.GetValue<string>() == taskId)!;
}
