namespace Loom.Core.Conditions;

/// <summary><c>not</c>.</summary>
internal sealed record NotNode(int Offset, ConditionNode Operand) : ConditionNode(Offset);
