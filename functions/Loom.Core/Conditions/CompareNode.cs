namespace Loom.Core.Conditions;

/// <summary>A comparison or membership test.</summary>
internal sealed record CompareNode(int Offset, string Operator, ConditionNode Left, ConditionNode Right) : ConditionNode(Offset);
