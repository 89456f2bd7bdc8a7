using System.Globalization;

namespace Loom.Core.Definitions;

/// <summary>
/// The errors found while reading one source: every error is counted, the first <see cref="MaxListed"/> are kept. A hostile
/// source can produce errors in proportion to its expanded size; listing them all would cost more than reading it.
/// </summary>
internal sealed class ValidationErrorList
{
    /// <summary>Most errors kept and reported; the rest are only counted.</summary>
    public const int MaxListed = 100;

    private readonly List<ValidationError> listed = [];

    /// <summary>Every error added, listed or not.</summary>
    public int Count { get; private set; }

    /// <summary>True once <see cref="MaxListed"/> errors are kept: further errors are only counted, so callers may skip work that only improves a message (suggestions).</summary>
    public bool IsFull => listed.Count >= MaxListed;

    /// <summary>True when the source broke a size limit (bytes, or the nodes or text its aliases expand to) and was not read further.</summary>
    public bool TooLarge { get; set; }

    /// <summary>Counts an error and keeps it while fewer than <see cref="MaxListed"/> are kept.</summary>
    public void Add(ValidationError error)
    {
        Count++;
        if (!IsFull)
        {
            listed.Add(error);
        }
    }

    /// <summary>The kept errors in document order, followed by one line saying how many more were found when some were not kept.</summary>
    public List<ValidationError> ToSortedList()
    {
        var sorted = listed.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
        if (Count > listed.Count)
        {
            sorted.Add(new ValidationError(0, 0, string.Create(CultureInfo.InvariantCulture,
                $"... and {Count - listed.Count:N0} more error(s) not listed; only the first {MaxListed} are reported")));
        }

        return sorted;
    }
}
