namespace Loom.Core.Engine;

/// <summary>Limits that keep a run's state storable in one table row (1 MiB, strings counted as UTF-16) whatever its tasks return.</summary>
public static class RunLimits
{
    /// <summary>
    /// Most characters of task outputs (as JSON) one run keeps for downstream templates: a task whose output would go past it
    /// fails, with a reason saying so, instead of the run stalling on a state too large to store.
    /// </summary>
    public const int MaxOutputChars = 192 * 1024;
}
