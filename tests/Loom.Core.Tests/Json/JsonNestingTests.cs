using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Json;

namespace Loom.Core.Tests.Json;

public class JsonNestingTests
{
    [Theory]
    [InlineData("1", 0)]
    [InlineData("null", 0)]
    [InlineData("[]", 1)]
    [InlineData("{\"a\":[1,{\"b\":[]}],\"c\":{}}", 4)]
    public void DepthOf_CountsNestedContainers(string json, int depth) =>
        Assert.Equal(depth, JsonNesting.DepthOf(JsonNode.Parse(json)));

    [Fact]
    public void DepthOf_VeryDeep_CountsWithoutRecursing()
    {
        JsonNode node = new JsonArray();
        for (var i = 1; i < 5000; i++)
        {
            node = new JsonArray(node);
        }

        Assert.Equal(5000, JsonNesting.DepthOf(node));
    }

    [Fact]
    public void Parse_AtTheLimitWithItsEnvelope_Parses()
    {
        var parsed = JsonNesting.Parse(Encoding.UTF8.GetBytes($"{{\"output\":{Deep(JsonNesting.MaxDepth)}}}"), envelopeLevels: 1, "the output");

        Assert.True(parsed.Ok, parsed.Error);
        Assert.Equal(JsonNesting.MaxDepth, JsonNesting.DepthOf(parsed.Value!["output"]));
    }

    [Theory]
    [InlineData(JsonNesting.MaxDepth + 1)]
    [InlineData(63)]
    [InlineData(100_000)]
    public void Parse_DeeperThanTheLimit_ReportedAsTooDeepNotMalformed(int depth)
    {
        var parsed = JsonNesting.Parse(Encoding.UTF8.GetBytes($"{{\"output\":{Deep(depth)}}}"), envelopeLevels: 1, "the output");

        Assert.True(parsed.TooDeep);
        Assert.Null(parsed.Value);
        Assert.Equal("the output nests more than 48 levels deep; Loom keeps values at most 48 levels deep: return a flatter value, or a reference to the data", parsed.Error);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[x")]
    public void Parse_Malformed_NotTooDeep(string json)
    {
        var parsed = JsonNesting.Parse(Encoding.UTF8.GetBytes(json), envelopeLevels: 0, "the value");

        Assert.False(parsed.Ok);
        Assert.False(parsed.TooDeep && json.Contains('x', StringComparison.Ordinal) && json.Length < JsonNesting.MaxDepth);
    }

    internal static string Deep(int depth) => new string('[', depth) + new string(']', depth);
}
