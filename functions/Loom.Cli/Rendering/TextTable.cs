namespace Loom.Cli.Rendering;

/// <summary>Rows printed as left-aligned columns separated by two spaces; the last column is not padded.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    /// <summary>The number of rows added.</summary>
    public int Count => _rows.Count;

    /// <summary>Adds a row; missing cells are empty, nulls print as "-".</summary>
    public TextTable Add(params string?[] cells)
    {
        var row = new string[headers.Length];
        for (var i = 0; i < row.Length; i++) row[i] = i < cells.Length ? cells[i] ?? "-" : "";
        _rows.Add(row);
        return this;
    }

    /// <summary>The lines of the table, header first.</summary>
    public IReadOnlyList<string> Lines(Func<int, string, string, string>? decorate = null)
    {
        var widths = new int[headers.Length];
        foreach (var row in _rows.Prepend(headers))
        {
            for (var i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        }
        var lines = new List<string>(_rows.Count + 1);
        var index = -1;
        foreach (var row in _rows.Prepend(headers))
        {
            var cells = new string[row.Length];
            for (var i = 0; i < row.Length; i++)
            {
                var padded = i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i]);
                // Decoration (colour) goes around the padded text so escape codes do not upset the alignment.
                cells[i] = index >= 0 && decorate is not null ? decorate(i, row[i], padded) : padded;
            }
            lines.Add(string.Join("  ", cells).TrimEnd());
            index++;
        }
        return lines;
    }

    /// <summary>Writes the table.</summary>
    public void WriteTo(TextWriter output)
    {
        foreach (var line in Lines()) output.WriteLine(line);
    }
}
