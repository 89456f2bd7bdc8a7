using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;

namespace Loom.Generated;

/// <summary>
/// Drives a run through the client NSwag generated from the served OpenAPI document (compiled with it by
/// GeneratedClientTests): it knows only the generated types, so a renamed operation, field or status fails its compile.
/// </summary>
public static class GeneratedClientDriver
{
    /// <summary>Registers a workflow, triggers a run with a parameter, polls it until it is final, and describes what happened.</summary>
    public static async Task<IReadOnlyList<string>> DriveRunAsync(HttpClient http, string backendUrl, TimeSpan timeout)
    {
        var client = new LoomApiClient(http);
        var lines = new List<string>();

        var registered = await client.RegisterWorkflowAsync($"""
            id: generated-client
            params:
              region: us
            tasks:
              - id: fetch_data
                method: POST
                url: {backendUrl}/api/tasks/fetch-data
              - id: process
                method: POST
                url: {backendUrl}/api/tasks/process
                dependsOn: [fetch_data]
            """);
        lines.Add($"registered {registered.Id} v{registered.Version}{(registered.Created ? " (created)" : "")}");

        var accepted = await client.TriggerRunAsync(registered.Id, new TriggerRequest { Params = new Dictionary<string, object> { ["region"] = "eu" } });
        var deadline = DateTimeOffset.UtcNow + timeout;
        RunDetail run;
        while (true)
        {
            run = await client.GetRunAsync(accepted.RunId);
            if (run.Status is RunDetailStatus.Succeeded or RunDetailStatus.Failed or RunDetailStatus.Cancelled) break;
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"run {accepted.RunId} is still {run.Status} after {timeout}");
            await Task.Delay(100);
        }
        var parameters = JsonSerializer.SerializeToElement(run.Params);
        lines.Add($"run {Wire(run.Status)} with region={parameters.GetProperty("region").GetString()}");
        foreach (var task in run.Tasks)
        {
            lines.Add($"{task.Id}: {Wire(task.Status)} after {task.Attempt} attempt(s)");
        }

        var attempts = await client.ListTaskAttemptsAsync(run.RunId, "process");
        lines.Add($"attempts of process: {string.Join(", ", ListOutcomes(attempts.Items))}");
        return lines;
    }

    private static IEnumerable<string> ListOutcomes(ICollection<AttemptView> attempts)
    {
        foreach (var attempt in attempts) yield return attempt.Outcome;
    }

    private static string Wire<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
