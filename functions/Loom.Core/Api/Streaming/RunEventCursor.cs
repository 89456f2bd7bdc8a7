using System.Globalization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Streaming;

/// <summary>
/// Where a reader of a run's event log is: the sequence of the last event it was given. Feeding it the log (all of it, or
/// what a stream or a poll brought) yields only the events after that position, in sequence order, each once; the position
/// is what a reconnecting reader sends back as <c>Last-Event-ID</c>. The same rules serve the server's stream and the
/// clients that poll.
/// </summary>
public sealed class RunEventCursor
{
    /// <summary>Starts after <paramref name="position"/> (-1: before the first event).</summary>
    public RunEventCursor(long position = -1) => Position = position;

    /// <summary>The sequence of the last event handed out; -1 before any.</summary>
    public long Position { get; private set; }

    /// <summary>True once the run's final event (succeeded, failed, cancelled) was handed out: nothing follows it.</summary>
    public bool Ended { get; private set; }

    /// <summary>The events after <see cref="Position"/>, in sequence order, each sequence once; moves the position past them.</summary>
    /// <param name="events">Events in any order, possibly including ones already handed out.</param>
    /// <param name="sequence">An event's sequence.</param>
    /// <param name="type">An event's type.</param>
    public IReadOnlyList<T> Advance<T>(IEnumerable<T> events, Func<T, long> sequence, Func<T, string?> type)
    {
        ArgumentNullException.ThrowIfNull(events);
        var fresh = events.Where(e => sequence(e) > Position).GroupBy(sequence).Select(g => g.First()).OrderBy(sequence).ToList();
        if (fresh.Count == 0) return fresh;
        Position = sequence(fresh[^1]);
        if (fresh.Any(e => IsRunEnd(type(e)))) Ended = true;
        return fresh;
    }

    /// <summary>True for the event types that end a run's log.</summary>
    public static bool IsRunEnd(string? type) => type is RunLogTypes.RunSucceeded or RunLogTypes.RunFailed or RunLogTypes.RunCancelled;

    /// <summary>Reads a resume position (<c>Last-Event-ID</c>): a whole number from -1 up; absent means from the start.</summary>
    /// <param name="text">The header's value, or null.</param>
    /// <param name="position">The position to resume after.</param>
    public static bool TryParsePosition(string? text, out long position)
    {
        position = -1;
        if (string.IsNullOrWhiteSpace(text)) return true;
        return long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out position) && position >= -1;
    }
}
