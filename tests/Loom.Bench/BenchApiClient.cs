using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Loom.Bench;

/// <summary>The benchmark's client of Loom's HTTP API: the few calls it makes, with the admin key.</summary>
internal sealed class BenchApiClient : IDisposable
{
    private readonly HttpClient _http;

    public BenchApiClient(string baseUrl, string adminKey)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        _http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(120) };
        _http.DefaultRequestHeaders.Add("x-functions-key", adminKey);
    }

    public async Task RegisterAsync(string yaml, CancellationToken cancellationToken)
    {
        using var content = new StringContent(yaml, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");
        using var response = await _http.PostAsync("/api/workflows", content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Registering a workflow answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    public async Task<string> TriggerAsync(string workflowId, CancellationToken cancellationToken)
    {
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync($"/api/workflows/{workflowId}/runs", content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"Triggering {workflowId} answered {(int)response.StatusCode}: {body}");
        }
        return JsonNode.Parse(body)?["runId"]?.GetValue<string>() ?? throw new InvalidOperationException($"No runId in {body}");
    }

    /// <summary>The run, or null when the server does not know it (404).</summary>
    public async Task<JsonObject?> TryGetRunAsync(string runId, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync($"/api/runs/{Uri.EscapeDataString(runId)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
    }

    public async Task<JsonObject> GetRunAsync(string runId, CancellationToken cancellationToken) =>
        await GetObjectAsync($"/api/runs/{Uri.EscapeDataString(runId)}", cancellationToken);

    public async Task<Diagnostics> DiagnosticsAsync(CancellationToken cancellationToken)
    {
        var o = await GetObjectAsync("/api/diagnostics", cancellationToken);
        return new Diagnostics(
            o["cpuSeconds"]!.GetValue<double>(),
            o["peakWorkingSetBytes"]!.GetValue<long>(),
            o["runsFinished"]!.GetValue<long>(),
            o["activeRuns"]!.GetValue<int>(),
            o["storage"]?["total"]?.GetValue<long>() ?? throw new InvalidOperationException("The server does not count storage requests (Loom:Diagnostics:CountStorageRequests)."),
            o["allocatedBytes"]?.GetValue<long>() ?? 0);
    }

    public void Dispose() => _http.Dispose();

    private async Task<JsonObject> GetObjectAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body) as JsonObject ?? throw new InvalidOperationException($"GET {path}: not an object");
    }
}

/// <summary>One reading of the server's diagnostics route.</summary>
internal sealed record Diagnostics(double CpuSeconds, long PeakWorkingSetBytes, long RunsFinished, int ActiveRuns, long StorageRequests, long AllocatedBytes);
