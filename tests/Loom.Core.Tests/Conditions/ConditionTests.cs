using System.Text.Json.Nodes;
using Loom.Core.Conditions;

namespace Loom.Core.Tests.Conditions;

public class ConditionTests
{
    private static readonly JsonObject Values = JsonNode.Parse("""
        {
          "params": { "env": "prod", "count": 3, "flag": false, "regions": ["eu", "us"] },
          "run": { "id": "r1", "workflowId": "wf", "scheduledAt": "2026-11-22T03:00:00Z" },
          "tasks": { "check": { "output": { "rows": 12, "status": "ok", "items": [1, 2], "meta": {} }, "status": "succeeded" } }
        }
        """)!.AsObject();

    private static JsonNode? Resolve(IReadOnlyList<string> segments)
    {
        JsonNode? current = Values;
        foreach (var segment in segments)
        {
            current = current switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return current;
    }

    [Theory]
    [InlineData("params.env == 'prod'", true)]
    [InlineData("params.env != \"prod\"", false)]
    [InlineData("params.count > 2 and params.count <= 3", true)]
    [InlineData("params.count < 3 or params.flag", false)]
    [InlineData("not params.flag", true)]
    [InlineData("tasks.check.output.rows >= 12", true)]
    [InlineData("tasks.check.output.items", true)]
    [InlineData("tasks.check.output.meta", false)]
    [InlineData("tasks.check.output.missing", false)]
    [InlineData("tasks.check.output.missing == null", true)]
    [InlineData("tasks.check.output.items.1 == 2", true)]
    [InlineData("tasks.check.status == 'succeeded'", true)]
    [InlineData("params.env in ['dev', 'prod']", true)]
    [InlineData("params.env not in ['dev', 'prod']", false)]
    [InlineData("'eu' in params.regions", true)]
    [InlineData("'ro' in params.env", true)]
    [InlineData("not (params.env == 'prod' and params.count == 3)", false)]
    [InlineData("${{ params.count == 3.0 }}", true)]
    [InlineData("run.scheduledAt < '2027-01-01T00:00:00Z'", true)]
    [InlineData("-1 < 0", true)]
    [InlineData("0", false)]
    public void Evaluate_Expressions_GiveExpectedTruth(string text, bool expected)
    {
        Assert.Equal(expected, Condition.Parse(text).Evaluate(Resolve));
    }

    [Fact]
    public void Evaluate_NumbersHeldAsIntegers_CompareAsNumbers()
    {
        // Outputs built in code (not parsed) hold CLR integers; reading them as double used to throw.
        var values = new Dictionary<string, JsonNode?> { ["tasks.a.output.rows"] = JsonValue.Create(42L), ["params.min"] = JsonValue.Create(10) };
        var condition = Condition.Parse("tasks.a.output.rows >= params.min and tasks.a.output.rows == 42 and params.min");

        Assert.True(condition.Evaluate(p => values.GetValueOrDefault(string.Join('.', p))));
    }

    [Theory]
    [InlineData("", 0, "the condition is empty")]
    [InlineData("params.env ==", 13, "ends too early")]
    [InlineData("params.env = 'x'", 11, "unexpected")]
    [InlineData("(params.env == 'x'", 18, "')'")]
    [InlineData("params.env == 'x", 14, "not closed")]
    [InlineData("foo == 1", 0, "unknown name 'foo'")]
    [InlineData("secrets.KEY == 'x'", 0, "cannot read secrets")]
    [InlineData("run.nope == 'x'", 0, "unknown run field 'nope'")]
    [InlineData("tasks.a.result == 1", 0, "tasks.ID.output")]
    [InlineData("1 < 2 < 3", 6, "do not chain")]
    [InlineData("len(params.x)", 0, "unknown name 'len'")]
    [InlineData("params.a [1]", 9, "unexpected")]
    public void Parse_BadText_ThrowsWithOffset(string text, int offset, string message)
    {
        var error = Assert.Throws<ConditionException>(() => Condition.Parse(text));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(offset, error.Offset);
    }

    [Fact]
    public void Parse_TooLongOrTooDeep_IsRefused()
    {
        Assert.Contains("at most", Assert.Throws<ConditionException>(() => Condition.Parse(new string(' ', Condition.MaxLength + 1))).Message, StringComparison.Ordinal);
        var deep = new string('(', 200) + "true" + new string(')', 200);
        Assert.Contains("nests too deeply", Assert.Throws<ConditionException>(() => Condition.Parse(deep)).Message, StringComparison.Ordinal);
        var notChain = string.Concat(Enumerable.Repeat("not ", 200)) + "true";
        Assert.Contains("nests too deeply", Assert.Throws<ConditionException>(() => Condition.Parse(notChain)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("params.env < 3")]
    [InlineData("tasks.check.output.status > 1")]
    [InlineData("params.count in 'abc'")]
    public void Evaluate_MismatchedKinds_Throws(string text)
    {
        Assert.Throws<ConditionException>(() => Condition.Parse(text).Evaluate(Resolve));
    }

    [Theory]
    [InlineData("'a' < 1", "compares a string with a number")]
    [InlineData("true > false", "two numbers or two strings")]
    [InlineData("1 == 'a'", "always false")]
    [InlineData("params.x in 3", "needs a list")]
    [InlineData("tasks.a.status == 'success'", "never 'success'")]
    [InlineData("tasks.a.status in ['failed', 'done']", "never 'done'")]
    [InlineData("run.id > 3", "compares a string with a number")]
    public void Check_TypeErrors_AreReported(string text, string message)
    {
        var errors = Condition.Parse(text).Check(_ => null);
        Assert.Contains(errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Check_KnownParamKind_ReportsMismatch()
    {
        var errors = Condition.Parse("params.count == 'three'").Check(p => p is ["params", "count"] ? System.Text.Json.JsonValueKind.Number : null);
        Assert.Single(errors);
        Assert.Empty(Condition.Parse("params.count == 3 and params.count != null").Check(p => System.Text.Json.JsonValueKind.Number));
    }
}
