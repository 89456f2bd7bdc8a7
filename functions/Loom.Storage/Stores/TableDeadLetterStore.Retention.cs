using System.Globalization;
using Azure.Data.Tables;
using Loom.Core.Stores;

namespace Loom.Storage.Stores;

/// <summary>The dead-letter store's retention side: a run's dead letters found by their ids' time range, never by a scan.</summary>
public sealed partial class TableDeadLetterStore : IDeadLetterRetentionStore
{
    // Failure times come from the clocks of several machines; a day either side of the run's life covers any skew.
    private static readonly TimeSpan ClockMargin = TimeSpan.FromDays(1);

    /// <inheritdoc />
    public async Task<int> DeleteForRunAsync(RunPurge run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        // Ids begin with the failure time counted down, and a run fails between its creation and its finish.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {AllPartition} and RowKey lt {Countdown(run.CreatedAt - ClockMargin) + "/"} and RunId eq {run.RunId}");
        if (run.FinishedAt is { } finished && finished < DateTimeOffset.MaxValue - ClockMargin)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RowKey ge {Countdown(finished + ClockMargin)}");
        }

        var found = new List<(string RowKey, string WorkflowId)>();
        await foreach (var row in _table.QueryAsync(filter, ["RowKey", "WorkflowId"], cancellationToken).ConfigureAwait(false))
        {
            found.Add((row.RowKey, row.GetString("WorkflowId") ?? run.WorkflowId));
        }

        foreach (var (rowKey, workflowId) in found)
        {
            // The workflow's row first: a crash in between leaves the lookup row, which the next sweep finds again.
            await _table.DeleteAsync(WorkflowPartition(workflowId), rowKey, "*", cancellationToken).ConfigureAwait(false);
            await _table.DeleteAsync(AllPartition, rowKey, "*", cancellationToken).ConfigureAwait(false);
        }

        return found.Count;
    }

    private static string Countdown(DateTimeOffset at) =>
        (DateTimeOffset.MaxValue.UtcTicks - Math.Clamp(at.UtcTicks, 0, DateTimeOffset.MaxValue.UtcTicks)).ToString("D19", CultureInfo.InvariantCulture);
}
