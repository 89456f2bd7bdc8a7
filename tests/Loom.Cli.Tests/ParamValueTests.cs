using System.Text.Json;
using Loom.Cli.Commands;

namespace Loom.Cli.Tests;

/// <summary>--param values: JSON when they parse, strings otherwise.</summary>
public sealed class ParamValueTests
{
    [Theory]
    [InlineData("25", JsonValueKind.Number, "25")]
    [InlineData("true", JsonValueKind.True, "true")]
    [InlineData("[1,2]", JsonValueKind.Array, "[1,2]")]
    [InlineData("{\"a\":1}", JsonValueKind.Object, "{\"a\":1}")]
    [InlineData("\"42\"", JsonValueKind.String, "\"42\"")]
    [InlineData("us-east", JsonValueKind.String, "\"us-east\"")]
    [InlineData("hello world", JsonValueKind.String, "\"hello world\"")]
    [InlineData("", JsonValueKind.String, "\"\"")]
    public void ParamValue_Text_JsonWhenItParsesElseString(string text, JsonValueKind kind, string json)
    {
        var value = WorkflowCommands.ParamValue(text);

        Assert.Equal(kind, value!.GetValueKind());
        Assert.Equal(json, value.ToJsonString());
    }

    [Fact]
    public void ParamValue_Null_IsJsonNull()
    {
        Assert.Null(WorkflowCommands.ParamValue("null"));
    }
}
