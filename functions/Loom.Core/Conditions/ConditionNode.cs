namespace Loom.Core.Conditions;

/// <summary>One node of a parsed condition; <see cref="Offset"/> is where it starts in the text.</summary>
internal abstract record ConditionNode(int Offset);
