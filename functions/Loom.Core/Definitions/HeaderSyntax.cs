namespace Loom.Core.Definitions;

/// <summary>One header as written.</summary>
internal sealed record HeaderSyntax(string Name, string Value);
