using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Loom.Core.Engine;

/// <summary>
/// The instances of a forEach task, compact so that 10,000 of them fit one table row: one character of status per instance,
/// full state only for the instances in flight (at most maxParallel), outputs only for instances that returned one. Each
/// attempt's details (times, status code, error, output) live in the attempts table, one row per attempt, as for any task.
/// </summary>
public sealed record ForEachState
{
    /// <summary>Status character of an instance not started yet.</summary>
    public const char Pending = 'p';

    /// <summary>Status character of an instance in flight (its state is in <see cref="Active"/>).</summary>
    public const char Active = 'a';

    /// <summary>Status character of a succeeded instance.</summary>
    public const char Succeeded = 's';

    /// <summary>Status character of an instance failed for good.</summary>
    public const char Failed = 'f';

    /// <summary>Status character of an instance cancelled with its run.</summary>
    public const char Cancelled = 'c';

    /// <summary>Number of items in the list (instances), fixed when the task became ready.</summary>
    public int Count { get; init; }

    /// <summary>One status character per instance, in item order (see the constants).</summary>
    public string Statuses { get; init; } = string.Empty;

    /// <summary>Instances start in item order: the index of the next one to start.</summary>
    public int Next { get; init; }

    /// <summary>The instances in flight, by index.</summary>
    public IReadOnlyList<ForEachInstance> Running { get; init; } = [];

    /// <summary>Outputs of succeeded instances that returned one, by index (as a string); moved into the task's output array when it succeeds.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonObject? Outputs { get; init; }

    /// <summary>Characters of JSON in <see cref="Outputs"/>, counted against the run's output budget.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long OutputChars { get; init; }

    /// <summary>The first instance failure, with its index, for the task's reason.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FirstFailure { get; init; }

    /// <summary>How many instances have each status character.</summary>
    public int CountOf(char status) => Statuses.Count(c => c == status);
}
