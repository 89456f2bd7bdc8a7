namespace Loom.Core.Conditions;

/// <summary><c>and</c> / <c>or</c> (short-circuit).</summary>
internal sealed record LogicNode(int Offset, bool IsAnd, ConditionNode Left, ConditionNode Right) : ConditionNode(Offset);
