using System.Text.Json.Nodes;

namespace Loom.Core.Conditions;

/// <summary>A literal: string, number, true, false, null, or a list of literals.</summary>
internal sealed record LiteralNode(int Offset, JsonNode? Value) : ConditionNode(Offset);
