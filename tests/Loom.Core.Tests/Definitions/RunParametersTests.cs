using System.Text.Json.Nodes;
using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

public class RunParametersTests
{
    private static readonly WorkflowDefinition Definition = WorkflowParser.Parse("""
        id: w
        params:
          region: eu
          limit: 10
          day: ~
        tasks: [{ id: t, url: "http://localhost/x" }]
        """).Definition!;

    [Fact]
    public void Resolve_OverridesOverDefaults_AllValuesPresent()
    {
        var result = RunParameters.Resolve(Definition, new JsonObject { ["day"] = "2026-11-22", ["limit"] = 5 });

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal("""{"region":"eu","limit":5,"day":"2026-11-22"}""", result.Values.ToJsonString());
    }

    [Fact]
    public void Resolve_RequiredParameterMissing_Reported()
    {
        var result = RunParameters.Resolve(Definition, null);

        Assert.Equal(["parameter 'day' has no default and needs a value"], result.Errors);
    }

    [Fact]
    public void Resolve_UnknownOverride_SuggestsDeclaredName()
    {
        var result = RunParameters.Resolve(Definition, new JsonObject { ["day"] = "x", ["limt"] = 1 });

        Assert.Equal(["unknown parameter 'limt'; did you mean 'limit'?"], result.Errors);
    }

    [Fact]
    public void Resolve_ValuesLargerThanARunTakes_ReportedWithTheLimit()
    {
        var result = RunParameters.Resolve(Definition, new JsonObject { ["day"] = new string('x', RunParameters.MaxChars) });

        var error = Assert.Single(result.Errors);
        Assert.Contains("a run takes at most 65,536", error, StringComparison.Ordinal);
        Assert.True(RunParameters.Resolve(Definition, new JsonObject { ["day"] = new string('x', RunParameters.MaxChars - 100) }).IsValid);
    }

    [Fact]
    public void Parse_DefaultsLargerThanARunTakes_ErrorAtTheParamsBlock()
    {
        var result = WorkflowParser.Parse($$"""
            id: w
            params:
              blob: {{new string('x', RunParameters.MaxChars + 1)}}
            tasks: [{ id: t, url: "http://localhost/x" }]
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("parameter defaults take", error.Message, StringComparison.Ordinal);
    }
}
