namespace Loom.Core.Statistics;

/// <summary>One task's figures in a finished run, as the statistics count them.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Failed">True when the task failed for good.</param>
/// <param name="Retries">Attempts after its first one.</param>
/// <param name="DurationMs">From its first attempt's start to its end, in milliseconds.</param>
public sealed record TaskSample(string TaskId, bool Failed, int Retries, double DurationMs);
