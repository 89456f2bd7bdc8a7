using Loom.Core.SelfHosted;
using Loom.Core.Stores;

namespace Loom.Core.Tests.SelfHosted;

/// <summary>
/// One run's partition held in memory the way the runs table holds it: a run row written conditionally on its ETag together
/// with its history rows (one transaction), attempt rows, and switches that make storage refuse writes (as it refuses
/// oversized entities), go unreachable for a while, or lose the answer to a write that landed.
/// </summary>
internal sealed class InMemoryRunStore(TimeProvider clock)
{
    private RunRecord? _row;
    private int _version;

    public List<RunEventRecord> Events { get; } = [];

    public Dictionary<string, AttemptRecord> Attempts { get; } = new(StringComparer.Ordinal);

    /// <summary>The next this many commits are refused as a request storage never accepts.</summary>
    public int Refusals { get; set; }

    /// <summary>Until then every call fails as storage unreachable.</summary>
    public DateTimeOffset DownUntil { get; set; }

    /// <summary>The next this many commits land, but their answer is lost to an outage.</summary>
    public int LostAnswers { get; set; }

    public int Commits { get; private set; }

    public int Outages { get; private set; }

    public bool IsDown => clock.GetUtcNow() < DownUntil;

    /// <summary>The stored row, read by the test (never unreachable).</summary>
    public RunRecord Read() => _row ?? throw new InvalidOperationException("No run stored.");

    public RunRecord Create(RunCommit commit)
    {
        if (_row is not null) throw new StoreConflictException("run exists");
        _row = commit.Record with { ETag = NextTag() };
        AddHistory(commit.History);
        return _row;
    }

    public RunRecord Commit(RunCommit commit)
    {
        ThrowIfDown();
        if (Refusals > 0)
        {
            Refusals--;
            throw new RefusedWriteException();
        }
        CheckTag(commit.Record);
        _row = commit.Record with { ETag = NextTag() };
        AddHistory(commit.History);
        Commits++;
        if (LostAnswers > 0)
        {
            LostAnswers--;
            Outages++;
            throw new StorageUnreachableException();
        }
        return _row;
    }

    /// <summary>A read by a process (fails while storage is down).</summary>
    public RunRecord Fetch()
    {
        ThrowIfDown();
        return Read();
    }

    /// <summary>A write of the row alone (an outbox claim).</summary>
    public RunRecord Update(RunRecord record)
    {
        ThrowIfDown();
        CheckTag(record);
        _row = record with { ETag = NextTag() };
        return _row;
    }

    public void PutAttempt(AttemptRecord attempt)
    {
        ThrowIfDown();
        Attempts[$"{attempt.TaskId}#{attempt.Attempt}"] = attempt;
    }

    private void ThrowIfDown()
    {
        if (!IsDown) return;
        Outages++;
        throw new StorageUnreachableException();
    }

    private void CheckTag(RunRecord record)
    {
        if (record.ETag != Read().ETag) throw new StoreConcurrencyException($"ETag {record.ETag} is not {Read().ETag}");
    }

    private void AddHistory(RunHistory history)
    {
        foreach (var e in history.Events)
        {
            // The ETag makes each change land once, so a sequence number written twice means a change was applied twice.
            if (Events.Any(x => x.Sequence == e.Sequence)) throw new InvalidOperationException($"Event-log row {e.Sequence} written twice.");
            Events.Add(e);
        }
        foreach (var a in history.Attempts) Attempts[$"{a.TaskId}#{a.Attempt}"] = a;
    }

    private string NextTag() => $"W/{++_version}";
}

/// <summary>Storage refusing a write for what it holds (too large, malformed): the same write is refused again.</summary>
internal sealed class RefusedWriteException() : Exception("The request body is too large.");

/// <summary>Storage not answering (connection refused, timeout): the same call may succeed later.</summary>
internal sealed class StorageUnreachableException() : Exception("Connection refused.");
