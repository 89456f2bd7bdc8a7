namespace Loom.Core.Text;

/// <summary>Finds the known name a misspelt one most likely meant.</summary>
internal static class Suggestions
{
    /// <summary>The candidate closest to <paramref name="name"/> (ignoring case and '_' / '-'), or null when none is close enough to be a typo.</summary>
    public static string? Closest(string name, IEnumerable<string> candidates)
    {
        var wanted = Fold(name);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var folded = Fold(candidate);
            var distance = Distance(wanted, folded);
            if (folded.StartsWith(wanted, StringComparison.Ordinal) && wanted.Length >= 3)
            {
                // A prefix ("max" for "maxAttempts") counts as a near miss.
                distance = Math.Min(distance, 1);
            }

            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }

        var allowed = Math.Max(1, Math.Max(wanted.Length, best?.Length ?? 0) / 2);
        return best is not null && bestDistance <= allowed && bestDistance < wanted.Length ? best : null;
    }

    private static string Fold(string text) => text.Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>Levenshtein distance.</summary>
    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue / 2;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
