using System.Text.Json.Nodes;

namespace Loom.Core.Definitions;

/// <summary>Conditions on upstream outcomes, named as in Airflow.</summary>
public enum TriggerRule
{
    /// <summary>Every upstream task succeeded.</summary>
    AllSuccess,

    /// <summary>Every upstream task finished, whatever the outcome.</summary>
    AllDone,

    /// <summary>Every upstream task failed.</summary>
    AllFailed,

    /// <summary>At least one upstream task succeeded (runs as soon as one does).</summary>
    OneSuccess,

    /// <summary>At least one upstream task failed (runs as soon as one does).</summary>
    OneFailed,

    /// <summary>No upstream task failed (succeeded or skipped).</summary>
    NoneFailed,
}
