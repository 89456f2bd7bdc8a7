using System.Globalization;
using System.Text.Json;
using Loom.Core.Api.Contracts;
using Loom.Core.Stores;

namespace Loom.Core.Api.Streaming;

/// <summary>Limits of the event streams (<c>GET /api/runs/{runId}/stream</c>).</summary>
public sealed record StreamOptions
{
    /// <summary>Streams one API key may hold open at once (default 8).</summary>
    public int MaxPerKey { get; init; } = 8;

    /// <summary>
    /// How often a stream reads the log without being told of a commit: changes committed by another server process sharing the
    /// storage account are not signalled here (default 1 s).
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Silence after which a comment line is sent, so proxies and clients keep the connection (default 15 s).</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest a stream stays open; the client reconnects with <c>Last-Event-ID</c> and loses nothing (default 30 min).</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The reconnection delay the stream asks browsers to use (default 1 s).</summary>
    public TimeSpan Retry { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// One open stream of a run's events as server-sent events: every event after the resume position, in sequence order, as it
/// commits; an <c>end</c> event once the run is final; comment lines as keep-alives. The host only supplies the writer.
/// </summary>
public sealed class RunEventStream : IDisposable
{
    private readonly IEventStore _events;
    private readonly RunCommitSignal.Subscription _subscription;
    private readonly IDisposable _slot;
    private readonly StreamOptions _options;
    private readonly TimeProvider _clock;
    private readonly RunEventCursor _cursor;

    internal RunEventStream(string runId, long after, IEventStore events, RunCommitSignal signal, IDisposable slot, StreamOptions options, TimeProvider clock)
    {
        RunId = runId;
        _events = events;
        _slot = slot;
        _options = options;
        _clock = clock;
        _cursor = new RunEventCursor(after);
        // Subscribed before the first read, so a commit between that read and the first wait is not missed.
        _subscription = signal.Subscribe(runId);
    }

    /// <summary>Most events one read of the log brings; a stream behind by more reads again at once.</summary>
    internal const int ReadPage = 1000;

    /// <summary>The run streamed.</summary>
    public string RunId { get; }

    /// <summary>The content type of the stream.</summary>
    public const string ContentType = "text/event-stream";

    /// <summary>Writes frames through <paramref name="write"/> until the run ends, the limit of time passes or the client goes.</summary>
    /// <param name="write">Writes one frame and flushes it to the client.</param>
    /// <param name="cancellationToken">Cancelled when the client disconnects or the host stops.</param>
    public async Task RunAsync(Func<string, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var opened = _clock.GetTimestamp();
        var lastWrite = opened;
        await write(Frames.Retry(_options.Retry), cancellationToken);
        while (!cancellationToken.IsCancellationRequested)
        {
            var commit = _subscription.NextCommit();
            // Only what is newer than the last event sent, a page at a time: a poll of a long log reads its new rows, not the log.
            IReadOnlyList<RunEventRecord> page;
            do
            {
                page = await _events.ListAfterAsync(RunId, _cursor.Position, ReadPage, cancellationToken);
                foreach (var e in _cursor.Advance(page, e => e.Sequence, e => e.Type))
                {
                    await write(Frames.Event(e), cancellationToken);
                    lastWrite = _clock.GetTimestamp();
                }
            }
            while (page.Count == ReadPage && !_cursor.Ended);
            if (_cursor.Ended)
            {
                await write(Frames.End(RunId), cancellationToken);
                return;
            }
            if (_clock.GetElapsedTime(opened) >= _options.MaxDuration) return;
            var silentFor = _clock.GetElapsedTime(lastWrite);
            if (silentFor >= _options.KeepAlive)
            {
                await write(Frames.KeepAlive, cancellationToken);
                lastWrite = _clock.GetTimestamp();
                silentFor = TimeSpan.Zero;
            }
            var wait = Min(_options.PollInterval, _options.KeepAlive - silentFor);
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(commit, Task.Delay(wait, _clock, waiting.Token)).ConfigureAwait(false);
            await waiting.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _subscription.Dispose();
        _slot.Dispose();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a > TimeSpan.Zero ? a : TimeSpan.Zero) : (b > TimeSpan.Zero ? b : TimeSpan.Zero);

    /// <summary>The text of server-sent event frames.</summary>
    public static class Frames
    {
        /// <summary>A comment line: keeps the connection alive, ignored by clients.</summary>
        public const string KeepAlive = ": keep-alive\n\n";

        /// <summary>One event of the log: its sequence is the frame's id (the resume position), its JSON as in <c>/events</c>.</summary>
        public static string Event(RunEventRecord e) =>
            $"id: {e.Sequence.ToString(CultureInfo.InvariantCulture)}\ndata: {JsonSerializer.Serialize(RunViews.Event(e), LoomJsonContext.Default.RunEventView)}\n\n";

        /// <summary>The last frame: the run is final and every event was sent.</summary>
        public static string End(string runId) => $"event: end\ndata: {JsonSerializer.Serialize(new StreamEnd(runId), LoomJsonContext.Default.StreamEnd)}\n\n";

        /// <summary>The reconnection delay browsers use.</summary>
        public static string Retry(TimeSpan delay) => $"retry: {((long)delay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}\n\n";
    }
}
