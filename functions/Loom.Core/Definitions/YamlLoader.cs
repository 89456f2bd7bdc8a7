using System.Globalization;
using Loom.Core.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Loom.Core.Definitions;

/// <summary>Loads one YAML (or JSON) document into YamlDotNet's representation model without letting any input throw or recurse without bound.</summary>
internal static class YamlLoader
{
    /// <summary>Deepest nesting of mappings and sequences accepted: Loom's one nesting limit, so recursion stays bounded and values serialisable.</summary>
    public const int MaxDepth = JsonNesting.MaxDepth;

    /// <summary>Prefix of the name given to a duplicate key after it was reported; readers skip such keys.</summary>
    public const string DuplicateKeyPrefix = "\0duplicate";

    /// <summary>Loads <paramref name="source"/>; returns the root node, or null with the errors that prevented loading.</summary>
    public static YamlNode? Load(string source, ValidationErrorList errors)
    {
        var parser = new GuardedParser(new Parser(new StringReader(source)), errors);
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (SizeLimitException ex)
        {
            errors.TooLarge = true;
            errors.Add(new ValidationError(ToInt(ex.Start.Line), ToInt(ex.Start.Column), ex.Reason));
            return null;
        }
        catch (YamlException ex)
        {
            errors.Add(new ValidationError(ToInt(ex.Start.Line), ToInt(ex.Start.Column), "malformed YAML: " + Describe(ex)));
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // YamlDotNet's scanner throws these without a position on some malformed flow collections;
            // the end of the last event read is the best place to point at.
            var at = parser.LastGoodEnd;
            errors.Add(new ValidationError(ToInt(at.Line), ToInt(at.Column), "malformed YAML after this point (check brackets, quotes and indentation)"));
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            errors.Add(new ValidationError(0, 0, "the source is empty; expected a workflow mapping with 'id' and 'tasks'"));
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            errors.Add(new ValidationError(ToInt(second.Line), ToInt(second.Column), $"expected one YAML document, found {stream.Documents.Count}"));
            return null;
        }

        // Duplicate keys were reported and renamed by the guarded parser, so reading goes on and finds the other errors.
        return stream.Documents[0].RootNode;
    }

    /// <summary>Converts a YamlDotNet position component, which is a long, to the int of <see cref="ValidationError"/>.</summary>
    public static int ToInt(long value) => value > int.MaxValue ? int.MaxValue : (int)value;

    private static string Describe(YamlException ex)
    {
        // YamlDotNet prefixes messages with "(Line: .., Col: .., Idx: ..) - (...): "; the position is reported separately.
        var message = ex.Message;
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith('(') && cut >= 0)
        {
            message = message[(cut + 3)..];
        }

        return message.TrimEnd('.');
    }

    /// <summary>A source whose expanded size breaks a limit: reading stops at once.</summary>
    private sealed class SizeLimitException(Mark at, string reason) : YamlException(at, at, reason)
    {
        public string Reason { get; } = reason;
    }

    /// <summary>
    /// Passes parser events through while bounding depth and expanded size, refusing recursive aliases and reporting duplicate
    /// keys. Expanded size counts each alias as a copy of the node it refers to, so work and memory downstream (reading,
    /// converting values to JSON, reporting errors) are bounded by what the source means, not by its bytes.
    /// </summary>
    private sealed class GuardedParser(IParser inner, ValidationErrorList errors) : IParser
    {
        private readonly Stack<Frame> frames = new();
        private readonly HashSet<string> openAnchors = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (long Nodes, long Chars)> anchorSizes = new(StringComparer.Ordinal);
        private long nodes;
        private long chars;
        private int renamed;

        public ParsingEvent? Current { get; private set; }

        public Mark LastGoodEnd { get; private set; } = new(0, 1, 1);

        public bool MoveNext()
        {
            if (!inner.MoveNext())
            {
                Current = null;
                return false;
            }

            var current = inner.Current!;
            switch (current)
            {
                case Scalar scalar:
                    Grow(scalar.Start, 1, scalar.Value.Length, alias: false);
                    if (!scalar.Anchor.IsEmpty)
                    {
                        anchorSizes[scalar.Anchor.Value] = (1, scalar.Value.Length);
                    }

                    current = OnScalar(scalar);
                    CompleteNode();
                    break;
                case AnchorAlias alias:
                    if (openAnchors.Contains(alias.Value.Value))
                    {
                        throw new YamlException(alias.Start, alias.End, $"alias '*{alias.Value.Value}' refers to a node that contains it");
                    }

                    // An alias to an unknown anchor is reported by YamlDotNet; until then it counts as one node.
                    var (aliasNodes, aliasChars) = anchorSizes.GetValueOrDefault(alias.Value.Value, (1, 0));
                    Grow(alias.Start, aliasNodes, aliasChars, alias: true);
                    CompleteNode();
                    break;
                case NodeEvent start and (MappingStart or SequenceStart):
                    if (frames.Count >= MaxDepth)
                    {
                        throw new YamlException(start.Start, start.End, $"nesting is deeper than {MaxDepth} levels");
                    }

                    if (!start.Anchor.IsEmpty)
                    {
                        openAnchors.Add(start.Anchor.Value);
                    }

                    frames.Push(new Frame(start is MappingStart, start.Anchor.IsEmpty ? null : start.Anchor.Value, nodes, chars));
                    Grow(start.Start, 1, 0, alias: false);
                    break;
                case MappingEnd or SequenceEnd:
                    if (frames.Count > 0)
                    {
                        var done = frames.Pop();
                        if (done.Anchor is not null)
                        {
                            openAnchors.Remove(done.Anchor);
                            anchorSizes[done.Anchor] = (nodes - done.StartNodes, chars - done.StartChars);
                        }
                    }

                    CompleteNode();
                    break;
            }

            Current = current;
            LastGoodEnd = current.End;
            return true;
        }

        private Scalar OnScalar(Scalar scalar)
        {
            if (frames.Count == 0 || !frames.Peek().IsMapping || !frames.Peek().ExpectKey)
            {
                return scalar;
            }

            if (frames.Peek().Keys.Add(scalar.Value))
            {
                return scalar;
            }

            errors.Add(new ValidationError(ToInt(scalar.Start.Line), ToInt(scalar.Start.Column), $"duplicate key '{scalar.Value}'"));

            // A key no reader knows, unique per document, lets the representation model load the rest.
            renamed++;
            var unique = $"{DuplicateKeyPrefix}{renamed}:{scalar.Value}";
            return new Scalar(scalar.Anchor, scalar.Tag, unique, scalar.Style, scalar.IsPlainImplicit, scalar.IsQuotedImplicit, scalar.Start, scalar.End, scalar.IsKey);
        }

        /// <summary>Adds a node (or, for an alias, the size of what it repeats) to the expanded size, stopping when a limit is passed.</summary>
        private void Grow(Mark at, long addedNodes, long addedChars, bool alias)
        {
            nodes += addedNodes;
            chars += addedChars;
            var how = alias ? " with its aliases expanded (each '*alias' counts as a copy of what it refers to)" : string.Empty;
            if (nodes > WorkflowParser.MaxExpandedNodes)
            {
                throw new SizeLimitException(at, string.Create(CultureInfo.InvariantCulture,
                    $"the workflow is too large: it holds more than {WorkflowParser.MaxExpandedNodes:N0} values{how}; that is the limit"));
            }

            if (chars > WorkflowParser.MaxExpandedChars)
            {
                throw new SizeLimitException(at, string.Create(CultureInfo.InvariantCulture,
                    $"the workflow is too large: it holds more than {WorkflowParser.MaxExpandedChars:N0} characters of text{how}; that is the limit"));
            }
        }

        private void CompleteNode()
        {
            if (frames.Count > 0 && frames.Peek().IsMapping)
            {
                frames.Peek().ExpectKey = !frames.Peek().ExpectKey;
            }
        }

        private sealed class Frame(bool isMapping, string? anchor, long startNodes, long startChars)
        {
            public bool IsMapping { get; } = isMapping;

            public string? Anchor { get; } = anchor;

            public long StartNodes { get; } = startNodes;

            public long StartChars { get; } = startChars;

            public bool ExpectKey { get; set; } = true;

            public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);
        }
    }
}
