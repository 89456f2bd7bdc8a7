using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;
using Loom.Storage;
using Loom.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Loom.Server.Tests;

/// <summary>GET /api/runs/{runId}/stream: a run's events as server-sent events, as they commit.</summary>
[Collection("server")]
public sealed class RunStreamTests(AzuriteFixture azurite, BackendFixture backend)
{
    private string Chain(string id) => $"""
        id: {id}
        tasks:
          - id: first
            url: {backend.BaseUrl}/api/tasks/first?delayMs=400&failTimes=1
            retry: {"{"} maxAttempts: 3, backoff: fixed, delay: 200ms, jitter: 0 {"}"}
          - id: second
            url: {backend.BaseUrl}/api/tasks/second?delayMs=150
            dependsOn: [first]
          - id: third
            url: {backend.BaseUrl}/api/tasks/third
            dependsOn: [second]
        """;

    [Fact]
    public async Task Stream_RunningRun_EveryEventInOrderWithin100msOfItsCommit()
    {
        var commits = new CommitClock();
        await using var server = await LoomTestServer.StartAsync(azurite, services: s =>
            s.AddSingleton<IRunStore>(sp => commits.Wrap(sp.GetRequiredService<LoomStorageAccount>().Runs)));
        await server.RegisterAsync(Chain("streamed"));
        var runId = await server.TriggerAsync("streamed");

        using var client = server.NewClient(LoomTestServer.ReaderKey);
        var (frames, opened) = await ReadStreamAsync(client, runId);

        var events = frames.Where(f => f.Event == "message").ToList();
        var sequences = events.Select(f => long.Parse(f.Id!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var logged = JsonNode.Parse(await server.Client.GetStringAsync($"/api/runs/{Uri.EscapeDataString(runId)}/events"))!["items"]!.AsArray()
            .Select(e => e!["sequence"]!.GetValue<long>()).ToList();
        Assert.Equal(logged, sequences);
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal("end", frames[^1].Event);
        Assert.Contains(events, f => f.Data!.Contains("\"TaskRetrying\"", StringComparison.Ordinal));
        Assert.Contains(events, f => f.Data!.Contains("\"RunSucceeded\"", StringComparison.Ordinal));

        // Events committed after the stream was open: each arrived within 100 ms of its commit on the server.
        var measured = events.Select(f => (Frame: f, Committed: commits.At(runId, long.Parse(f.Id!, System.Globalization.CultureInfo.InvariantCulture))))
            .Where(x => x.Committed > opened).ToList();
        Assert.True(measured.Count >= 6, $"only {measured.Count} events were committed while the stream was open");
        foreach (var (frame, committed) in measured)
        {
            var lag = Stopwatch.GetElapsedTime(committed, frame.ArrivedAt);
            Assert.True(lag < TimeSpan.FromMilliseconds(100), $"event {frame.Id} arrived {lag.TotalMilliseconds:0} ms after its commit");
        }
    }

    [Fact]
    public async Task Stream_EachPollReadsOnlyTheEventsAfterTheLastOneSent_EveryStoredEventReadOnce()
    {
        var reads = new EventReads();
        await using var server = await LoomTestServer.StartAsync(azurite, services: s =>
            s.AddSingleton<IEventStore>(sp => reads.Wrap(sp.GetRequiredService<LoomStorageAccount>().Events)));
        await server.RegisterAsync(Chain("polled"));
        var runId = await server.TriggerAsync("polled");

        using var client = server.NewClient(LoomTestServer.ReaderKey);
        var (frames, _) = await ReadStreamAsync(client, runId, timeout: TimeSpan.FromSeconds(120));

        var sent = frames.Where(f => f.Event == "message").Select(f => long.Parse(f.Id!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal("end", frames[^1].Event);
        var polls = reads.Of(runId);
        // The run went on while the stream was open (a retry, two more tasks), so the stream read the log several times.
        Assert.True(polls.Count >= 2, $"{polls.Count} read(s)");
        // Each read asked for what followed the last event sent before it, so the reads together brought each event once.
        Assert.Equal(-1, polls[0].After);
        for (var i = 1; i < polls.Count; i++)
        {
            Assert.Equal(polls.Take(i).SelectMany(p => p.Sequences).DefaultIfEmpty(-1).Max(), polls[i].After);
        }
        Assert.Equal(sent, polls.SelectMany(p => p.Sequences));
        Assert.Equal(0, reads.WholeLogReads(runId));
    }

    [Fact]
    public async Task Stream_FinishedRunResumedWithLastEventId_OnlyTheLaterEventsThenEnd()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        await server.RegisterAsync(Chain("resumed"));
        var runId = await server.TriggerAsync("resumed");
        await server.WaitForRunAsync(runId);

        using var client = server.NewClient(LoomTestServer.ReaderKey);
        var (all, _) = await ReadStreamAsync(client, runId);
        var ids = all.Where(f => f.Event == "message").Select(f => f.Id!).ToList();
        var (rest, _) = await ReadStreamAsync(client, runId, lastEventId: ids[3]);

        Assert.Equal(ids.Skip(4), rest.Where(f => f.Event == "message").Select(f => f.Id!));
        Assert.Equal("end", rest[^1].Event);
    }

    [Fact]
    public async Task Stream_KeysAndLimits_401WithoutKey404UnknownRun400BadIdAnd429OverTheLimit()
    {
        await using var server = await LoomTestServer.StartAsync(azurite, new Dictionary<string, string?> { ["Loom:Streams:MaxPerKey"] = "1" });
        await server.RegisterAsync(Chain("limited").Replace("delayMs=400", "delayMs=3000", StringComparison.Ordinal));
        var runId = await server.TriggerAsync("limited");
        var path = $"/api/runs/{Uri.EscapeDataString(runId)}/stream";

        using var anonymous = server.NewClient(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        using var reader = server.NewClient(LoomTestServer.ReaderKey);
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync("/api/runs/nope/stream")).StatusCode);
        using var badId = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Last-Event-ID", "abc" } } };
        Assert.Equal(HttpStatusCode.BadRequest, (await reader.SendAsync(badId)).StatusCode);

        using var open = await reader.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", open.Content.Headers.ContentType?.MediaType);
        var second = await reader.GetAsync(path);
        Assert.Equal((HttpStatusCode)429, second.StatusCode);
        // Another key has its own allowance.
        using var admin = await server.Client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await server.Client.PostAsync(path, null)).StatusCode);
        await server.Client.PostAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", null);
    }

    [Fact]
    public async Task Stream_ServerStopping_EndsTheStreamInsteadOfHoldingTheShutdown()
    {
        var server = await LoomTestServer.StartAsync(azurite);
        // Waiting a minute for its retry: no call in flight, so the engine itself stops at once.
        await server.RegisterAsync($"""
            id: stopped
            tasks:
              - id: first
                url: {backend.BaseUrl}/api/tasks/first?failTimes=1
                retry: {"{"} maxAttempts: 2, backoff: fixed, delay: 1m, jitter: 0 {"}"}
            """);
        var runId = await server.TriggerAsync("stopped");
        using var client = server.NewClient(LoomTestServer.ReaderKey);
        using var response = await client.GetAsync($"/api/runs/{Uri.EscapeDataString(runId)}/stream", HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();

        var stopping = Stopwatch.StartNew();
        var disposed = server.DisposeAsync().AsTask();
        var drained = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            while (await body.ReadAsync(buffer) > 0)
            {
            }
        });

        // An open stream must not hold the stop for Kestrel's shutdown timeout (30 s).
        await Task.WhenAll(disposed, drained).WaitAsync(TimeSpan.FromSeconds(40));
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"stopping took {stopping.Elapsed}");
    }

    [Fact]
    public async Task HostWithoutStreaming_Answers501AndItsOpenApiSaysSo()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        var sp = server.Services;
        // The API as the Function App builds it: no commit signal, because it cannot hold connections open.
        var api = new LoomApi(new ApiServices
        {
            Workflows = sp.GetRequiredService<WorkflowCatalog>(),
            Runs = sp.GetRequiredService<IRunStore>(),
            Attempts = sp.GetRequiredService<IAttemptStore>(),
            Events = sp.GetRequiredService<IEventStore>(),
            Driver = sp.GetRequiredService<IRunDriver>(),
            SchedulerStates = sp.GetRequiredService<ISchedulerStateStore>(),
            DeadLetters = sp.GetRequiredService<IDeadLetterStore>(),
            Audit = sp.GetRequiredService<LoomStorageAccount>().Audit,
            Authorizer = sp.GetRequiredService<IApiAuthorizer>(),
            CallbackTokens = sp.GetRequiredService<CallbackTokens>(),
        });
        var key = new Dictionary<string, string> { ["x-functions-key"] = LoomTestServer.ReaderKey };

        var stream = await api.HandleAsync(ApiRequest.Create("GET", "/api/runs/some-run/stream", headers: key));
        var document = await api.HandleAsync(ApiRequest.Create("GET", "/api/openapi.json", headers: key));
        var served = JsonNode.Parse(await server.Client.GetStringAsync("/api/openapi.json"))!;

        Assert.Equal(501, stream.Status);
        Assert.Contains("/api/runs/{runId}/events", stream.Body!["detail"]!.GetValue<string>());
        // The Function App's document leaves the stream out (a generated client must not offer it); the route still answers 501.
        Assert.Null(document.Body!["paths"]![LoomApi.StreamRoute]);
        Assert.NotNull(document.Body!["paths"]!["/api/runs/{runId}/events"]);
        Assert.NotNull(served["paths"]![LoomApi.StreamRoute]!["get"]!["responses"]!["200"]!["content"]!["text/event-stream"]);
    }

    /// <summary>One server-sent event as received, with when its last line arrived.</summary>
    private sealed record Frame(string Event, string? Id, string? Data, long ArrivedAt);

    /// <summary>Reads a stream until its end event (or <paramref name="timeout"/>, 20 s by default); returns its frames and when the response started.</summary>
    private static async Task<(List<Frame> Frames, long Opened)> ReadStreamAsync(HttpClient client, string runId, string? lastEventId = null, TimeSpan? timeout = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/runs/{Uri.EscapeDataString(runId)}/stream");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        using var timeoutSource = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        var cancel = timeoutSource.Token;
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var opened = Stopwatch.GetTimestamp();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel), Encoding.UTF8);
        var frames = new List<Frame>();
        string? type = null, id = null, data = null;
        while (await reader.ReadLineAsync(cancel) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null) frames.Add(new Frame(type ?? "message", id, data, Stopwatch.GetTimestamp()));
                if (type == "end") break;
                (type, id, data) = (null, null, null);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
        }
        return (frames, opened);
    }

    /// <summary>Records the reads of the event log through the store: each range read with what it brought, and whole-log reads, by run.</summary>
    private sealed class EventReads
    {
        private readonly ConcurrentQueue<(string RunId, long After, long[] Sequences)> _ranges = new();
        private readonly ConcurrentDictionary<string, int> _whole = new();

        public IEventStore Wrap(IEventStore inner) => new Store(this, inner);

        public List<(long After, long[] Sequences)> Of(string runId) => [.. _ranges.Where(r => r.RunId == runId).Select(r => (r.After, r.Sequences))];

        public int WholeLogReads(string runId) => _whole.GetValueOrDefault(runId);

        private sealed class Store(EventReads reads, IEventStore inner) : IEventStore
        {
            public Task AppendAsync(IReadOnlyList<RunEventRecord> events, CancellationToken cancellationToken = default) => inner.AppendAsync(events, cancellationToken);

            public Task<IReadOnlyList<RunEventRecord>> ListAsync(string runId, CancellationToken cancellationToken = default)
            {
                reads._whole.AddOrUpdate(runId, 1, (_, n) => n + 1);
                return inner.ListAsync(runId, cancellationToken);
            }

            public async Task<IReadOnlyList<RunEventRecord>> ListAfterAsync(string runId, long after, int limit, CancellationToken cancellationToken = default)
            {
                var events = await inner.ListAfterAsync(runId, after, limit, cancellationToken);
                reads._ranges.Enqueue((runId, after, [.. events.Select(e => e.Sequence)]));
                return events;
            }
        }
    }

    /// <summary>Records when each event row was committed (the store's write returned), by run and sequence.</summary>
    private sealed class CommitClock
    {
        private readonly ConcurrentDictionary<(string, long), long> _at = new();

        public long At(string runId, long sequence) => _at.TryGetValue((runId, sequence), out var at) ? at : long.MaxValue;

        public IRunStore Wrap(IRunStore inner) => new Store(this, inner);

        private void Record(RunHistory history)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var e in history.Events) _at.TryAdd((e.RunId, e.Sequence), now);
        }

        private sealed class Store(CommitClock clock, IRunStore inner) : IRunStore
        {
            public async Task<RunRecord> UpdateAsync(RunRecord run, RunHistory history, CancellationToken cancellationToken = default)
            {
                var stored = await inner.UpdateAsync(run, history, cancellationToken);
                clock.Record(history);
                return stored;
            }

            public async Task<RunRecord> CreateAsync(RunRecord run, RunHistory history, CancellationToken cancellationToken = default)
            {
                var stored = await inner.CreateAsync(run, history, cancellationToken);
                clock.Record(history);
                return stored;
            }

            public Task<RunRecord> CreateAsync(RunRecord run, CancellationToken cancellationToken = default) => inner.CreateAsync(run, cancellationToken);

            public Task<RunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default) => inner.GetAsync(runId, cancellationToken);

            public Task<RunRecord> UpdateAsync(RunRecord run, CancellationToken cancellationToken = default) => inner.UpdateAsync(run, cancellationToken);

            public Task<Page<RunRecord>> ListAsync(RunQuery query, CancellationToken cancellationToken = default) => inner.ListAsync(query, cancellationToken);

            public Task<Page<RunRecord>> ListWithOutboxAsync(int pageSize, string? continuation = null, CancellationToken cancellationToken = default) =>
                inner.ListWithOutboxAsync(pageSize, continuation, cancellationToken);
        }
    }
}
