namespace Loom.Core.Stores;

/// <summary>What the retention sweep needs from the dead-letter store: deleting a run's dead letters, acknowledged or not.</summary>
public interface IDeadLetterRetentionStore
{
    /// <summary>Deletes every dead letter of the run; a repeated call deletes nothing more. Returns how many it deleted.</summary>
    Task<int> DeleteForRunAsync(RunPurge run, CancellationToken cancellationToken = default);
}
