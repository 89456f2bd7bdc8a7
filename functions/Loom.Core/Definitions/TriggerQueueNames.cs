using System.Text.RegularExpressions;

namespace Loom.Core.Definitions;

/// <summary>Azure's rules for queue names, applied to a queue trigger's queue (and room left for its <c>-poison</c> queue).</summary>
public static partial class TriggerQueueNames
{
    /// <summary>What a poison queue's name adds to its queue's name.</summary>
    public const string PoisonSuffix = "-poison";

    /// <summary>Longest queue name Azure accepts.</summary>
    public const int AzureMaxLength = 63;

    /// <summary>Longest trigger queue name: its poison queue must be a valid name too.</summary>
    public const int MaxLength = AzureMaxLength - 7;

    /// <summary>The queue that takes the messages of <paramref name="queue"/> that cannot start a run.</summary>
    public static string PoisonOf(string queue) => queue + PoisonSuffix;

    /// <summary>Why <paramref name="name"/> cannot be a trigger queue, or null when it can.</summary>
    public static string? Check(string name)
    {
        if (name.Length is < 3 or > MaxLength)
        {
            return $"queue name '{Shorten(name)}' must have 3 to {MaxLength} characters (Azure allows {AzureMaxLength}; '{PoisonSuffix}' is added for its poison queue)";
        }

        if (!Pattern().IsMatch(name) || name.Contains("--", StringComparison.Ordinal))
        {
            return $"invalid queue name '{Shorten(name)}': use lowercase letters, digits and single hyphens, starting and ending with a letter or digit (Azure's rules)";
        }

        if (name.EndsWith(PoisonSuffix, StringComparison.Ordinal))
        {
            return $"queue name '{name}' ends with '{PoisonSuffix}': that is where another queue's unusable messages go, not a trigger";
        }

        return null;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
