using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Loom.Core.Definitions;

/// <summary>
/// Limits of <c>forEach</c> tasks and the ids of their instances: instance <c>i</c> of task <c>T</c> is <c>T[i]</c> in commands,
/// events, attempt rows and the Idempotency-Key, so every driver and store treats an instance as a task of its own.
/// </summary>
public static class ForEachInstances
{
    /// <summary>Most items a forEach list may have: a longer list fails the task with the reason (the host limit).</summary>
    public const int MaxItems = 10_000;

    /// <summary>The <c>maxParallel</c> of a forEach task that names none.</summary>
    public const int DefaultMaxParallel = 10;

    /// <summary>Largest <c>maxParallel</c> accepted: bounds the instances a run's state holds in full (see the run state's byte budget).</summary>
    public const int MaxParallelLimit = 100;

    /// <summary>The id of instance <paramref name="index"/> of task <paramref name="taskId"/>.</summary>
    public static string Id(string taskId, int index) => string.Create(CultureInfo.InvariantCulture, $"{taskId}[{index}]");

    /// <summary>Splits an instance id into its task id and index; false for a plain task id (task ids never contain '[').</summary>
    public static bool TryParse(string id, [NotNullWhen(true)] out string? taskId, out int index)
    {
        taskId = null;
        index = -1;
        var open = id.IndexOf('[', StringComparison.Ordinal);
        if (open <= 0 || id[^1] != ']'
            || !int.TryParse(id.AsSpan(open + 1, id.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out index)
            || index >= MaxItems)
        {
            index = -1;
            return false;
        }

        taskId = id[..open];
        return true;
    }
}
