using System.Text.Json.Nodes;

namespace Loom.Core.Conditions;

/// <summary>One node of a parsed condition; <see cref="Offset"/> is where it starts in the text.</summary>
internal abstract record ConditionNode(int Offset);

/// <summary>A literal: string, number, true, false, null, or a list of literals.</summary>
internal sealed record LiteralNode(int Offset, JsonNode? Value) : ConditionNode(Offset);

/// <summary>A dotted path: params.X, run.X, tasks.ID.output[.path] or tasks.ID.status.</summary>
internal sealed record PathNode(int Offset, IReadOnlyList<string> Segments) : ConditionNode(Offset)
{
    public string Text => string.Join('.', Segments);
}

/// <summary>A comparison or membership test.</summary>
internal sealed record CompareNode(int Offset, string Operator, ConditionNode Left, ConditionNode Right) : ConditionNode(Offset);

/// <summary><c>and</c> / <c>or</c> (short-circuit).</summary>
internal sealed record LogicNode(int Offset, bool IsAnd, ConditionNode Left, ConditionNode Right) : ConditionNode(Offset);

/// <summary><c>not</c>.</summary>
internal sealed record NotNode(int Offset, ConditionNode Operand) : ConditionNode(Offset);
