namespace Loom.Core.Conditions;

/// <summary>A dotted path: params.X, run.X, tasks.ID.output[.path] or tasks.ID.status.</summary>
internal sealed record PathNode(int Offset, IReadOnlyList<string> Segments) : ConditionNode(Offset)
{
    public string Text => string.Join('.', Segments);
}
