namespace Loom.Core.Retention;

/// <summary>What one retention sweep did.</summary>
/// <param name="Deleted">Runs deleted, with their history, dead letters and index rows.</param>
/// <param name="Deferred">Expired runs kept for a later sweep because the host could not purge their instance yet.</param>
/// <param name="Examined">Candidate runs read (created before their workflow's cutoff).</param>
/// <param name="RowsDeleted">Run, event and attempt rows deleted.</param>
public sealed record RetentionResult(IReadOnlyList<string> Deleted, int Deferred, int Examined, int RowsDeleted);
