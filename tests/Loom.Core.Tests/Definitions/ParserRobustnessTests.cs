using System.Text;
using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

public class ParserRobustnessTests
{
    private const string Valid = """
        id: fuzz
        schedule: { cron: "0 3 * * *", timezone: Europe/Paris }
        params: { region: eu, n: [1, 2, { a: b }] }
        defaults: { retry: { maxAttempts: 3, delay: 1s }, headers: { X-A: b } }
        tasks:
          - id: a
            url: "http://localhost/a/${{ params.region }}"
            body: { x: "${{ run.id }}", y: [1, 2.5, true, null] }
          - id: b
            url: http://localhost/b
            dependsOn: [a]
            body: "${{ tasks.a.output.items.0 }}"
        """;

    [Fact]
    public void Parse_RandomStrings_NeverThrowAndAlwaysExplainFailure()
    {
        var random = new Random(20261122);
        const string alphabet = "ab: -[]{},\"'\n\t#&*!|>%@`$?~.0123456789\\\u00e9\u2028\r";
        for (var i = 0; i < 3000; i++)
        {
            var text = new StringBuilder();
            var length = random.Next(0, 200);
            for (var j = 0; j < length; j++)
            {
                text.Append(alphabet[random.Next(alphabet.Length)]);
            }

            AssertHandled(text.ToString());
        }
    }

    [Fact]
    public void Parse_RandomBytesAsText_NeverThrow()
    {
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            AssertHandled(Encoding.UTF8.GetString(bytes));
            AssertHandled(Encoding.Latin1.GetString(bytes));
        }
    }

    [Fact]
    public void Parse_MutationsOfAValidWorkflow_NeverThrow()
    {
        var random = new Random(42);
        Assert.True(WorkflowParser.Parse(Valid).IsValid);
        for (var i = 0; i < 3000; i++)
        {
            var text = new StringBuilder(Valid);
            for (var k = random.Next(1, 4); k > 0 && text.Length > 0; k--)
            {
                var at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0:
                        text.Remove(at, Math.Min(random.Next(1, 6), text.Length - at));
                        break;
                    case 1:
                        text.Insert(at, "{}[]:-,'\"\n &*!#$"[random.Next(16)]);
                        break;
                    default:
                        text[at] = (char)random.Next(32, 127);
                        break;
                }
            }

            AssertHandled(text.ToString());
        }
    }

    [Theory]
    [InlineData("[", "]", 100_000)]
    [InlineData("{a: ", "}", 100_000)]
    [InlineData("- ", "", 5_000)]
    public void Parse_DeepNesting_ReportedNotOverflowed(string open, string close, int depth)
    {
        var text = string.Concat(Enumerable.Repeat(open, depth)) + "x" + string.Concat(Enumerable.Repeat(close, depth));

        var result = WorkflowParser.Parse(text);

        Assert.False(result.IsValid);
        Assert.NotEmpty(result.Errors);
        Assert.DoesNotContain(result.Errors, e => e.Message.Contains("internal error", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_DeepIndentedBlockNesting_ReportsNestingLimit()
    {
        var text = new StringBuilder("id: w\ntasks:\n  - id: t\n    url: http://localhost/x\n    body:\n");
        for (var i = 0; i < 80; i++)
        {
            text.Append(new string(' ', 6 + (2 * i))).Append("k:\n");
        }

        var error = Assert.Single(WorkflowParser.Parse(text.ToString()).Errors);

        Assert.Contains("nesting is deeper than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AliasBomb_ReportedAsTooLarge()
    {
        var text = new StringBuilder("id: w\nparams:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 9; i++)
        {
            text.Append($"  l{i}: &l{i} [*l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}]\n");
        }

        text.Append("tasks: [{ id: t, url: \"http://localhost/x\" }]\n");

        var result = WorkflowParser.Parse(text.ToString());

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Message.Contains("too large", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_RecursiveAlias_Reported()
    {
        var result = WorkflowParser.Parse("""
            id: w
            params:
              loop: &me [1, *me]
            tasks: [{ id: t, url: "http://localhost/x" }]
            """);

        var error = Assert.Single(result.Errors);
        Assert.Contains("refers to a node that contains it", error.Message, StringComparison.Ordinal);
        Assert.Equal((3, 17), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_LargeDenseDag_ValidAndUpstreamChecked()
    {
        var text = new StringBuilder("id: big\ntasks:\n");
        const int count = 400;
        for (var i = 0; i < count; i++)
        {
            text.Append($"  - id: t{i}\n    url: http://localhost/t{i}\n");
            if (i > 0)
            {
                text.Append("    dependsOn: [").AppendJoin(", ", Enumerable.Range(Math.Max(0, i - 40), Math.Min(i, 40)).Select(j => $"t{j}")).Append("]\n");
            }
        }

        text.Append($"  - id: last\n    url: http://localhost/last\n    dependsOn: [t{count - 1}]\n    body: {{ a: \"${{{{ tasks.t0.output }}}}\" }}\n");
        text.Append("  - id: stray\n    url: http://localhost/stray\n    body: { a: \"${{ tasks.t5.output }}\" }\n");

        var result = WorkflowParser.Parse(text.ToString());

        var error = Assert.Single(result.Errors);
        Assert.Contains("template refers to task 't5', which is not upstream of 'stray'", error.Message, StringComparison.Ordinal);
    }

    private static void AssertHandled(string text)
    {
        var result = WorkflowParser.Parse(text);
        Assert.True(result.IsValid || result.Errors.Count > 0, "an invalid result must carry errors");
        Assert.DoesNotContain(result.Errors, e => e.Message.Contains("internal error", StringComparison.Ordinal));
        Assert.All(result.Errors, e => Assert.True(e.Line >= 0 && e.Column >= 0));
    }
}
