using System.Text.Json.Nodes;
using Loom.Core.Templating;

namespace Loom.Core.Tests.Templating;

public class TemplateEngineTests
{
    private const string SecretValue = "s3cr3t-value";

    private static readonly TemplateScope Scope = new()
    {
        Params = new JsonObject
        {
            ["region"] = "eu",
            ["limit"] = 10,
            ["filter"] = new JsonObject { ["kinds"] = new JsonArray("a", "b") },
            ["missing"] = null,
        },
        RunId = "run-42",
        WorkflowId = "daily-report",
        ScheduledAt = new DateTimeOffset(2026, 11, 22, 4, 0, 0, TimeSpan.FromHours(1)),
        Outputs = new Dictionary<string, JsonNode?>
        {
            ["extract"] = JsonNode.Parse("""{"rows":[{"id":7,"tags":["x"]},{"id":8}],"count":2,"ok":true,"note":"fine"}"""),
            ["empty"] = null,
        },
        Secrets = new Secrets(),
    };

    [Theory]
    [InlineData("${{ params.region }}", "eu")]
    [InlineData("${{params.limit}}", "10")]
    [InlineData("${{   params.filter.kinds.1   }}", "b")]
    [InlineData("${{ params.filter }}", """{"kinds":["a","b"]}""")]
    [InlineData("${{ run.id }}", "run-42")]
    [InlineData("${{ run.workflowId }}", "daily-report")]
    [InlineData("${{ run.scheduledAt }}", "2026-11-22T03:00:00Z")]
    [InlineData("${{ tasks.extract.output.count }}", "2")]
    [InlineData("${{ tasks.extract.output.rows.0.id }}", "7")]
    [InlineData("${{ tasks.extract.output.rows.0.tags.0 }}", "x")]
    [InlineData("${{ tasks.extract.output.rows }}", """[{"id":7,"tags":["x"]},{"id":8}]""")]
    [InlineData("${{ tasks.extract.output.ok }}", "true")]
    [InlineData("${{ tasks.empty.output }}", "null")]
    [InlineData("${{ secrets.API_KEY }}", SecretValue)]
    [InlineData("http://h/${{ params.region }}/${{ run.id }}?n=${{ tasks.extract.output.count }}", "http://h/eu/run-42?n=2")]
    [InlineData("no templates here, not even $ or {{ }}", "no templates here, not even $ or {{ }}")]
    public void Render_EveryRoot_ReplacesExpressionWithText(string template, string expected)
    {
        Assert.Equal(expected, TemplateEngine.Render(template, Scope));
    }

    [Fact]
    public void RenderJson_ExactExpression_KeepsJsonType()
    {
        var template = JsonNode.Parse("""
            {
              "count": "${{ tasks.extract.output.count }}",
              "rows": "${{ tasks.extract.output.rows }}",
              "ok": "${{tasks.extract.output.ok}}",
              "limit": "${{ params.limit }}",
              "label": "region ${{ params.region }} has ${{ tasks.extract.output.count }} rows",
              "padded": " ${{ params.limit }}",
              "list": ["${{ run.id }}", 1, null, {"deep": "${{ params.filter.kinds }}"}],
              "untouched": 3.5
            }
            """);

        var rendered = TemplateEngine.RenderJson(template, Scope);

        Assert.Equal(
            """{"count":2,"rows":[{"id":7,"tags":["x"]},{"id":8}],"ok":true,"limit":10,"label":"region eu has 2 rows","padded":" 10","list":["run-42",1,null,{"deep":["a","b"]}],"untouched":3.5}""",
            rendered!.ToJsonString());
        Assert.StartsWith("""{"count":"${{ tasks.extract.output.count }}",""", template!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RenderJson_StringRoot_TakesReferencedValue()
    {
        var rendered = TemplateEngine.RenderJson(JsonValue.Create("${{ tasks.extract.output.rows.1 }}"), Scope);

        Assert.Equal("""{"id":8}""", rendered!.ToJsonString());
    }

    [Fact]
    public void RenderJson_Null_StaysNull()
    {
        Assert.Null(TemplateEngine.RenderJson(null, Scope));
    }

    [Theory]
    [InlineData("${{ params.missing }}", "parameter 'missing' has no value")]
    [InlineData("${{ params.unknown }}", "parameter 'unknown' has no value")]
    [InlineData("${{ params.filter.other }}", "'params.filter' has no field 'other'")]
    [InlineData("${{ params.region.x }}", "'params.region' is a string; it has no 'x'")]
    [InlineData("${{ tasks.extract.output.rows.5 }}", "'tasks.extract.output.rows' is a list of 2 items; '5' is not an index in it")]
    [InlineData("${{ tasks.extract.output.nope.deeper }}", "'tasks.extract.output' has no field 'nope'")]
    [InlineData("${{ tasks.empty.output.x }}", "'tasks.empty.output' is null; it has no 'x'")]
    [InlineData("${{ tasks.other.output }}", "task 'other' has no output")]
    [InlineData("${{ secrets.NOT_SET }}", "secret 'NOT_SET' is not configured on this host")]
    [InlineData("${{ env.HOME }}", "unknown template root 'env'; allowed: params, run, tasks, secrets")]
    [InlineData("${{ secret.HOME }}", "unknown template root 'secret'; did you mean 'secrets'?")]
    [InlineData("${{ params.a || 1 }}", "is not a dotted path")]
    [InlineData("${{ params.a", "'${{' is not closed with '}}'")]
    public void Render_MissingValue_ThrowsTemplateExceptionWithClearMessage(string template, string message)
    {
        var ex = Assert.Throws<TemplateException>(() => TemplateEngine.Render("x " + template, Scope));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.Expression);
    }

    [Fact]
    public void RenderJson_MissingValue_Throws()
    {
        var ex = Assert.Throws<TemplateException>(() => TemplateEngine.RenderJson(JsonNode.Parse("""{"a":["${{ tasks.nope.output }}"]}"""), Scope));

        Assert.Contains("task 'nope' has no output", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SecretsWithoutProvider_Throws()
    {
        var scope = Scope with { Secrets = null };

        var ex = Assert.Throws<TemplateException>(() => TemplateEngine.Render("${{ secrets.API_KEY }}", scope));

        Assert.Contains("secret 'API_KEY' is not configured", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ErrorAfterASecret_MessageHoldsNoSecretValue()
    {
        var ex = Assert.Throws<TemplateException>(() => TemplateEngine.Render("Bearer ${{ secrets.API_KEY }} ${{ params.nope }}", Scope));

        Assert.DoesNotContain(SecretValue, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void FindReferences_ReportsOffsetsPathsAndErrors()
    {
        var text = "a ${{ params.x }} b ${{run.id}} c ${{ nope.y }} ${{ tasks.t.output.0 }}";

        var references = TemplateEngine.FindReferences(text);

        Assert.Equal([2, 20, 34, 48], references.Select(r => r.Offset));
        Assert.Equal("${{ params.x }}", text.Substring(references[0].Offset, references[0].Length));
        Assert.Equal("${{run.id}}", text.Substring(references[1].Offset, references[1].Length));
        Assert.Equal(["params", "x"], references[0].Path);
        Assert.Equal("run", references[1].Root);
        Assert.Equal("id", references[1].Name);
        Assert.False(references[2].IsValid);
        Assert.Contains("unknown template root 'nope'", references[2].Error, StringComparison.Ordinal);
        Assert.Equal(["tasks", "t", "output", "0"], references[3].Path);
        Assert.True(references[3].IsValid);
    }

    [Fact]
    public void FindReferences_NoExpression_Empty()
    {
        Assert.Empty(TemplateEngine.FindReferences("plain $ {{ text }} with ${ and {{"));
    }

    private sealed class Secrets : ISecretProvider
    {
        public string? GetSecret(string name) => name == "API_KEY" ? SecretValue : null;
    }
}
