namespace Loom.Core.SelfHosted;

/// <summary>What the self-hosted driver does with a batch of events after applying them.</summary>
public enum BatchAction
{
    /// <summary>Nothing applied (stale or duplicate events): no commit, only the batch's attempt rows are stored.</summary>
    Nothing,

    /// <summary>Nothing but retries: act on them now and commit them with the run's next commit (or a flush).</summary>
    Carry,

    /// <summary>Commit the new state, then execute its commands.</summary>
    Commit,
}
