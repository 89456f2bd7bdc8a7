using System.Text.RegularExpressions;

namespace Loom.Storage.Stores;

/// <summary>Table names and limits of Loom's stores.</summary>
public sealed partial record TableStoreOptions
{
    /// <summary>Prefix of every table name (letters and digits, starting with a letter), so several installations or test classes can share an account.</summary>
    public string TablePrefix { get; init; } = "loom";

    /// <summary>Longest attempt output kept, in characters; longer outputs are cut and flagged <c>OutputTruncated</c>.</summary>
    public int MaxOutputChars { get; init; } = 256 * 1024;

    /// <summary>Clock for housekeeping decisions (how old an orphaned index row is).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Whether the run store keeps an <c>o|</c> index row for every run that may still owe commands, which
    /// <see cref="TableRunStore.ListWithOutboxAsync"/> reads (the self-hosted server's recovery sweep). Off, a run costs one
    /// index row and one delete less; a host whose runs are carried by something else (the Function App: Durable resumes
    /// every unfinished orchestration) turns it off, and then the listing is refused rather than silently empty.
    /// </summary>
    public bool OpenRunIndex { get; init; } = true;

    /// <summary>Table of workflow versions and heads.</summary>
    public string WorkflowsTable => Name("workflows");

    /// <summary>Table of runs, their listing index, and each run's events and attempts (in the run's own partition).</summary>
    public string RunsTable => Name("runs");

    /// <summary>Table of scheduler state.</summary>
    public string SchedulerTable => Name("scheduler");

    /// <summary>Table of dead letters (a row across workflows and one in the workflow's partition).</summary>
    public string DeadLettersTable => Name("deadletters");

    /// <summary>Table of the workflows' audit logs (a partition per workflow).</summary>
    public string AuditTable => Name("audit");

    /// <summary>Table of the circuit breakers (a row per target origin).</summary>
    public string CircuitsTable => Name("circuits");

    /// <summary>Table of the run statistics' hour buckets (a partition per workflow, a row per UTC hour).</summary>
    public string StatsTable => Name("stats");

    /// <summary>Whether <paramref name="prefix"/> can start a table name: 1-50 letters or digits, starting with a letter.</summary>
    public static bool IsValidPrefix(string prefix) => PrefixPattern().IsMatch(prefix);

    private string Name(string suffix)
    {
        if (!IsValidPrefix(TablePrefix))
        {
            throw new ArgumentException($"Table prefix '{TablePrefix}' must be 1-50 letters or digits starting with a letter.", nameof(TablePrefix));
        }

        return TablePrefix + suffix;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,49}$")]
    private static partial Regex PrefixPattern();
}
