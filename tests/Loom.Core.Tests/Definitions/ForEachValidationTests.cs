using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Templating;

namespace Loom.Core.Tests.Definitions;

public class ForEachValidationTests
{
    [Fact]
    public void Parse_ForEachOverAnUpstreamOutputOrAParam_BuildsDefinition()
    {
        var result = WorkflowParser.Parse("""
            id: w
            params: { regions: [eu, us] }
            tasks:
              - id: list
                url: http://localhost/list
              - id: each
                url: "http://localhost/items/${{ item.id }}?i=${{ index }}"
                headers: { X-Item: "${{ item.name }}" }
                body: { item: "${{ item }}" }
                forEach: ${{ tasks.list.output.items }}
                maxParallel: 4
                dependsOn: [list]
              - id: regions
                url: http://localhost/region
                forEach: "${{ params.regions }}"
            """);
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => e.ToString())));
        var tasks = result.Definition!.Tasks;
        Assert.Equal(("${{ tasks.list.output.items }}", 4), (tasks[1].ForEach, tasks[1].MaxParallel));
        Assert.Equal(("${{ params.regions }}", ForEachInstances.DefaultMaxParallel), (tasks[2].ForEach, tasks[2].MaxParallel));
        Assert.Null(tasks[0].ForEach);
    }

    [Theory]
    [InlineData("forEach: ${{ tasks.b.output.items }}", 5, 14, "not upstream of 'a'")]
    [InlineData("forEach: ${{ tasks.zz.output }}", 5, 14, "unknown task 'zz'")]
    [InlineData("forEach: ${{ params.nope }}", 5, 14, "undeclared parameter 'nope'")]
    [InlineData("forEach: ${{ run.id }}", 5, 14, "not from 'run'")]
    [InlineData("forEach: \"items: ${{ params.env }}\"", 5, 14, "exactly one template")]
    [InlineData("forEach: [1, 2]", 5, 14, "'forEach' must be a template")]
    [InlineData("maxParallel: 3", 5, 18, "'maxParallel' applies only to tasks with 'forEach'")]
    [InlineData("forEach: ${{ params.env }}\n    maxParallel: 0", 6, 18, "'maxParallel' must be")]
    [InlineData("forEach: ${{ params.env }}\n    maxParallel: 101", 6, 18, "'maxParallel' must be")]
    [InlineData("headers: { X-I: \"${{ item.x }}\" }", 5, 22, "'item' exists only in a task with 'forEach'")]
    [InlineData("body: { i: \"${{ index.x }}\" }", 5, 17, "'index' is a number")]
    [InlineData("forEach: ${{ params.env }}\n    completion: callback", 5, 14, "does not combine with 'completion: callback'")]
    public void Parse_BadForEach_ReportsLineAndColumn(string field, int line, int column, string message)
    {
        var source = $"""
            id: w
            params: {"{"} env: prod {"}"}
            tasks:
              - id: a
                {field}
                url: http://localhost/a
              - id: b
                url: http://localhost/b
                dependsOn: [a]
            """;
        var result = WorkflowParser.Parse(source);
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void Render_ItemAndIndex_ResolveInAForEachInstanceOnly()
    {
        var scope = new TemplateScope { Params = [], RunId = "r", WorkflowId = "w", ScheduledAt = DateTimeOffset.UnixEpoch, Item = JsonNode.Parse("""{"id":7,"tags":["x"]}"""), Index = 3 };
        Assert.Equal("7/x/3", TemplateEngine.Render("${{ item.id }}/${{ item.tags.0 }}/${{ index }}", scope));
        Assert.Equal("""{"i":{"id":7,"tags":["x"]},"n":3}""", TemplateEngine.RenderJson(JsonNode.Parse("""{"i":"${{ item }}","n":"${{ index }}"}"""), scope)!.ToJsonString());

        var outside = scope with { Index = null };
        var e = Assert.Throws<TemplateException>(() => TemplateEngine.Render("${{ item }}", outside));
        Assert.Contains("exists only in a task with forEach", e.Message, StringComparison.Ordinal);
    }
}
