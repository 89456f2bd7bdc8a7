using Loom.Core.Definitions;

namespace Loom.Core.Engine;

/// <summary>A trigger rule's verdict, with the reason for a skip.</summary>
/// <param name="Verdict">Wait, run or skip.</param>
/// <param name="Reason">Why the task is skipped, naming the upstream task(s); null unless skipped.</param>
public readonly record struct TriggerDecision(TriggerVerdict Verdict, string? Reason);
