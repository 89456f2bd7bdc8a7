using Loom.Core.Stores;

namespace Loom.Server.Tests;

/// <summary>Fault injection around the real run store: a commit (update with history) the rule picks fails with the exception the rule returns.</summary>
/// <param name="refuse">Returns the exception to throw instead of writing, or null to write.</param>
internal sealed class FaultyRunStore(Func<RunRecord, RunHistory, Exception?> refuse)
{
    private readonly Lock _gate = new();
    private int _refused;

    /// <summary>Commits refused so far.</summary>
    public int Refused
    {
        get
        {
            lock (_gate) return _refused;
        }
    }

    public IRunStore Wrap(IRunStore inner) => new Store(this, inner);

    private Exception? Check(RunRecord run, RunHistory history)
    {
        lock (_gate)
        {
            var error = refuse(run, history);
            if (error is not null) _refused++;
            return error;
        }
    }

    private sealed class Store(FaultyRunStore owner, IRunStore inner) : IRunStore
    {
        public Task<RunRecord> UpdateAsync(RunRecord run, RunHistory history, CancellationToken cancellationToken = default) =>
            owner.Check(run, history) is { } error ? throw error : inner.UpdateAsync(run, history, cancellationToken);

        public Task<RunRecord> CreateAsync(RunRecord run, CancellationToken cancellationToken = default) => inner.CreateAsync(run, cancellationToken);

        public Task<RunRecord> CreateAsync(RunRecord run, RunHistory history, CancellationToken cancellationToken = default) => inner.CreateAsync(run, history, cancellationToken);

        public Task<RunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default) => inner.GetAsync(runId, cancellationToken);

        public Task<RunRecord> UpdateAsync(RunRecord run, CancellationToken cancellationToken = default) => inner.UpdateAsync(run, cancellationToken);

        public Task<Page<RunRecord>> ListAsync(RunQuery query, CancellationToken cancellationToken = default) => inner.ListAsync(query, cancellationToken);

        public Task<Page<RunRecord>> ListWithOutboxAsync(int pageSize, string? continuation = null, CancellationToken cancellationToken = default) =>
            inner.ListWithOutboxAsync(pageSize, continuation, cancellationToken);
    }
}
