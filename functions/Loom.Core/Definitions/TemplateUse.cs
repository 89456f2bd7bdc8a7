using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Loom.Core.Definitions;

/// <summary>A string scalar that may hold template expressions, with where it sits.</summary>
internal sealed record TemplateUse(YamlScalarNode Node, string Text, string Path);
