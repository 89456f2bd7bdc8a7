using System.Text;
using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

/// <summary>
/// The work of reading a source is bounded by what it expands to (aliases counted as copies), not by its bytes: a few KiB of
/// aliases once stood for a million errors and hundreds of MB.
/// </summary>
public class ExpansionLimitsTests
{
    [Fact]
    public void Parse_AnchoredDependsOnListReferencedByAHundredTasks_RefusedAsTooLargeWithOneError()
    {
        // The probe of issue 12: one anchor on a 10,000-entry dependsOn list, referenced by 100 tasks (26 KB).
        var text = AliasedDependsOn(10_000, 100);
        var allocated = GC.GetAllocatedBytesForCurrentThread();

        var result = WorkflowParser.Parse(text);

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.True(result.TooLarge);
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, result.ErrorCount);
        Assert.Contains("more than 200,000 values with its aliases expanded", error.Message, StringComparison.Ordinal);
        // At the alias that went past the limit: the dependsOn of t19 (line 5 + 3 lines per task), the 20th copy of the list.
        Assert.Equal((5 + (3 * 19), 16), (error.Line, error.Column));
        Assert.True(allocated < 32_000_000, $"reading allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Parse_TensOfThousandsOfErrors_ListsTheFirstHundredAndCountsAll()
    {
        // Under the expansion limit (1,000 x 50), but every entry is an error: listed twice, or unknown.
        var text = AliasedDependsOn(999, 50);
        var allocated = GC.GetAllocatedBytesForCurrentThread();

        var result = WorkflowParser.Parse(text);

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.False(result.TooLarge);
        Assert.Equal(50 * 999, result.ErrorCount);
        Assert.Equal(ValidationErrorListLimit + 1, result.Errors.Count);
        Assert.Equal("... and 49,850 more error(s) not listed; only the first 100 are reported", result.Errors[^1].Message);
        Assert.Equal(result.Errors.SkipLast(1).OrderBy(e => e.Line).ThenBy(e => e.Column), result.Errors.SkipLast(1));
        Assert.True(allocated < 64_000_000, $"reading allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Parse_DependsOnLongerThanTheTaskLimit_ReportedOnceNotPerEntry()
    {
        var text = "id: w\ntasks:\n  - id: t\n    url: http://localhost/x\n    dependsOn: [" + string.Join(",", Enumerable.Range(0, 5000).Select(i => $"n{i}")) + "]\n";

        var result = WorkflowParser.Parse(text);

        var error = Assert.Single(result.Errors);
        Assert.Equal("'dependsOn' lists 5,000 entries; at most 999 are allowed", error.Message);
        Assert.Equal((5, 16), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_AnchoredLongTextRepeated_RefusedByItsExpandedCharacters()
    {
        var text = new StringBuilder("id: w\nparams:\n  a: &big \"").Append('x', 400_000).Append("\"\n  b: *big\n  c: *big\n")
            .Append("tasks: [{ id: t, url: \"http://localhost/x\" }]\n").ToString();

        var result = WorkflowParser.Parse(text);

        Assert.True(result.TooLarge);
        var error = Assert.Single(result.Errors);
        Assert.Contains("more than 1,048,576 characters of text with its aliases expanded", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, error.Line);
    }

    [Fact]
    public void Parse_MoreValuesThanTheLimitWrittenOut_RefusedAsTooLarge()
    {
        var text = "id: w\ntags: [" + string.Join(",", Enumerable.Repeat("1", 250_000)) + "]\ntasks: [{ id: t, url: \"http://localhost/x\" }]\n";

        var result = WorkflowParser.Parse(text);

        Assert.True(result.TooLarge);
        Assert.Equal("the workflow is too large: it holds more than 200,000 values; that is the limit", Assert.Single(result.Errors).Message);
    }

    [Fact]
    public void Parse_ModestAliases_StillValid()
    {
        var result = WorkflowParser.Parse("""
            id: w
            tasks:
              - id: a
                url: http://localhost/a
                headers: &h { X-Team: data, X-Env: prod }
                body: &b { region: eu, items: [1, 2, 3] }
              - id: b
                url: http://localhost/b
                dependsOn: &up [a]
                headers: *h
                body: *b
              - id: c
                url: http://localhost/c
                dependsOn: *up
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(0, result.ErrorCount);
    }

    [Fact]
    public void Parse_ManyTags_ReportedOnce()
    {
        var text = "id: w\ntags: [" + string.Join(",", Enumerable.Range(0, 101).Select(i => $"t{i}")) + "]\ntasks: [{ id: t, url: \"http://localhost/x\" }]\n";

        Assert.Equal("'tags' lists 101 entries; at most 100 are allowed", Assert.Single(WorkflowParser.Parse(text).Errors).Message);
    }

    private const int ValidationErrorListLimit = 100;

    internal static string AliasedDependsOn(int listLength, int tasks)
    {
        var text = new StringBuilder("id: bomb\ntasks:\n  - id: t0\n    url: http://localhost/x\n    dependsOn: &d [")
            .AppendJoin(",", Enumerable.Repeat("a", listLength)).Append("]\n");
        for (var i = 1; i < tasks; i++)
        {
            text.Append($"  - id: t{i}\n    url: http://localhost/x\n    dependsOn: *d\n");
        }

        return text.ToString();
    }
}
