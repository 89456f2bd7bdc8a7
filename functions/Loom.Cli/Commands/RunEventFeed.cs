using System.Text.Json.Nodes;
using Loom.Cli.Api;
using Loom.Cli.Rendering;
using Loom.Core.Api.Streaming;

namespace Loom.Cli.Commands;

/// <summary>
/// A run's events in order, each once, until the run is final: from the server's event stream where it has one
/// (<c>GET /api/runs/{runId}/stream</c>, resumed after the last event when the connection ends early), else by polling the
/// event log every interval (the Function App answers 501). <c>run watch</c> and <c>logs --follow</c> both read it.
/// </summary>
internal sealed class RunEventFeed(LoomApiClient client, CliContext context, string runId, TimeSpan interval) : IAsyncDisposable
{
    private readonly RunEventCursor _cursor = new();

    // Whether to (still) try the server's stream; false once it answered that it has none.
    private bool _streams = true;
    private EventStreamConnection? _open;
    private IAsyncEnumerator<JsonObject>? _reading;
    private bool _polled;

    // Set when a final run's log turned out to have no closing event: nothing more will come.
    private bool _finished;

    /// <summary>True once the run is final and every event was read.</summary>
    public bool Done => _cursor.Ended || _finished;

    /// <summary>
    /// The next events: one from the stream while the server offers one, else those a poll of the log found after waiting the
    /// interval (none when nothing happened meanwhile).
    /// </summary>
    public async Task<IReadOnlyList<JsonObject>> NextAsync(CancellationToken cancellationToken)
    {
        if (_streams && _open is null)
        {
            _open = await client.OpenEventStreamAsync(runId, _cursor.Position, cancellationToken);
            _streams = _open is not null;
            _reading = _open?.ReadAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        if (_open is not null && _reading is not null)
        {
            if (await _reading.MoveNextAsync())
            {
                return Advance([_reading.Current]);
            }
            await CloseAsync();
            // A stream that ended without its end event dropped (or reached its time limit): resume after a pause.
            if (!_cursor.Ended) await Task.Delay(interval, context.Time, cancellationToken);
            return [];
        }
        if (_polled) await Task.Delay(interval, context.Time, cancellationToken);
        _polled = true;
        var fresh = Advance(await LogAsync(cancellationToken));
        if (!_cursor.Ended && fresh.Count == 0 && Show.IsFinal(Show.Str((await client.GetRunAsync(runId, cancellationToken))["status"])))
        {
            // A final run whose log has no closing event (written by an older version): nothing more will come.
            fresh = Advance(await LogAsync(cancellationToken));
            _finished = !_cursor.Ended;
        }
        return fresh;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await CloseAsync();

    /// <summary>The events after the last one read, page by page while the server says more are stored (<c>next</c>).</summary>
    private async Task<IEnumerable<JsonObject>> LogAsync(CancellationToken cancellationToken)
    {
        var events = new List<JsonObject>();
        var after = _cursor.Position;
        while (true)
        {
            var page = await client.GetEventsAsync(runId, after, cancellationToken);
            var items = (page["items"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            events.AddRange(items);
            // A page that moved nowhere ends the read, whatever it says follows.
            if (Show.Long(page["next"]) is not { } next || next <= after || items.Count == 0) return events;
            after = next;
        }
    }

    private async Task CloseAsync()
    {
        if (_reading is not null) await _reading.DisposeAsync();
        _open?.Dispose();
        (_open, _reading) = (null, null);
    }

    private IReadOnlyList<JsonObject> Advance(IEnumerable<JsonObject> events) =>
        _cursor.Advance(events, e => Show.Long(e["sequence"]) ?? -1, e => Show.Str(e["type"]));
}
