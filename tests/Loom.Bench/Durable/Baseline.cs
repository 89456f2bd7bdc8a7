using System.Globalization;
using System.Text;
using Microsoft.DurableTask;

namespace Loom.Bench.Durable;

/// <summary>One task of the baseline's workflow: where to POST, after which tasks.</summary>
internal sealed record BaselineTask(string Id, string Url, string[] DependsOn);

/// <summary>The baseline orchestration's input: the run's id, its tasks, and the retry on 5xx (fixed delay).</summary>
internal sealed record BaselineInput(string RunId, BaselineTask[] Tasks, int MaxAttempts, int RetryDelayMs);

/// <summary>One HTTP call of the baseline.</summary>
internal sealed record BaselineRequest(string RunId, string TaskId, int Attempt, string Url);

/// <summary>
/// The floor of the serverless path: a plain hand-written Durable orchestration that makes the same HTTP calls in the same
/// shape as Loom's (tasks start when their dependencies succeeded, 5xx retried after a durable timer), with no Loom state,
/// no saves and no attempt rows. It sends Loom's headers only so the stub backend logs its calls the same way.
/// </summary>
internal static class Baseline
{
    public const string Orchestration = "BaselineRun";
    public const string Activity = "BaselineHttpCall";

    public static void Register(DurableTaskRegistry registry, HttpClient http)
    {
        registry.AddOrchestratorFunc<BaselineInput, bool>(Orchestration, RunAsync);
        registry.AddActivityFunc<BaselineRequest, int>(Activity, (_, call) => CallAsync(http, call));
    }

    /// <summary>The baseline input for one run of <paramref name="workload"/> against the stub at <paramref name="backendUrl"/>.</summary>
    public static BaselineInput Input(Workload workload, string runId, string backendUrl)
    {
        // W2's retry policy (fixed delay, 5xx), read from the YAML the Loom side registers, so both sides retry alike.
        var (attempts, delayMs) = (1, 0);
        if (workload.Retry is { } retry)
        {
            attempts = int.Parse(Value(retry, "maxAttempts:"), CultureInfo.InvariantCulture);
            delayMs = int.Parse(Value(retry, "delay:").TrimEnd('s', 'm'), CultureInfo.InvariantCulture);
        }

        return new BaselineInput(runId, [.. workload.Shape.Select(s => new BaselineTask(s.Id, $"{backendUrl}/api/tasks/{s.Id}{workload.Query}", s.DependsOn))], attempts, delayMs);
    }

    private static string Value(string yaml, string key)
    {
        var start = yaml.IndexOf(key, StringComparison.Ordinal) + key.Length;
        var end = yaml.IndexOf('\n', start);
        return yaml[start..(end < 0 ? yaml.Length : end)].Trim();
    }

    private static async Task<bool> RunAsync(TaskOrchestrationContext context, BaselineInput input)
    {
        var succeeded = new HashSet<string>(StringComparer.Ordinal);
        var started = new HashSet<string>(StringComparer.Ordinal);
        var pending = new List<Pending>();

        void StartReady()
        {
            foreach (var task in input.Tasks)
            {
                if (!started.Contains(task.Id) && task.DependsOn.All(succeeded.Contains))
                {
                    started.Add(task.Id);
                    pending.Add(Call(task, 1));
                }
            }
        }

        // DURABLE2002 reads AddActivityFunc<BaselineRequest, int>'s input type as the activity's result; the result is int.
#pragma warning disable DURABLE2002
        Pending Call(BaselineTask task, int attempt) =>
            new(context.CallActivityAsync<int>(Activity, new BaselineRequest(input.RunId, task.Id, attempt, task.Url)), task, attempt, Timer: false);
#pragma warning restore DURABLE2002

        StartReady();
        while (pending.Count > 0)
        {
            var finished = await Task.WhenAny(pending.Select(p => p.Work));
            var item = pending.First(p => ReferenceEquals(p.Work, finished));
            pending.Remove(item);
            if (item.Timer)
            {
                pending.Add(Call(item.Task, item.Attempt));
                continue;
            }

            var status = await (Task<int>)item.Work;
            if (status is >= 200 and < 300)
            {
                succeeded.Add(item.Task.Id);
                StartReady();
            }
            else if ((status >= 500 || status == 0) && item.Attempt < input.MaxAttempts)
            {
                var due = context.CurrentUtcDateTime.AddMilliseconds(input.RetryDelayMs);
                pending.Add(new Pending(context.CreateTimer(due, CancellationToken.None), item.Task, item.Attempt + 1, Timer: true));
            }
            else
            {
                return false;
            }
        }

        return succeeded.Count == input.Tasks.Length;
    }

    /// <summary>POSTs the call; the status code, or 0 when no answer came.</summary>
    private static async Task<int> CallAsync(HttpClient http, BaselineRequest call)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, call.Url) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Loom-Run-Id", call.RunId);
        request.Headers.Add("X-Loom-Task-Id", call.TaskId);
        request.Headers.Add("X-Loom-Attempt", call.Attempt.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Idempotency-Key", $"{call.RunId}/{call.TaskId}");
        try
        {
            using var response = await http.SendAsync(request);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private sealed record Pending(Task Work, BaselineTask Task, int Attempt, bool Timer);
}
