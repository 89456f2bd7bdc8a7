using System.Text;
using Loom.Core.Api;
using Loom.Core.Api.Contracts;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Json;

namespace Loom.Core.Tests.Api;

/// <summary>JSON request bodies read into their contract records: each mistake is a 400 that names the field and says what is wrong.</summary>
public sealed class RequestBodyTests
{
    private static readonly LoomJsonContext Json = LoomJsonContext.Default;

    [Theory]
    [InlineData("")]
    [InlineData("  \r\n")]
    [InlineData("{}")]
    public void Read_EmptyBody_IsTheRecordsDefaults(string body)
    {
        var request = RequestBody.Read(Encoding.UTF8.GetBytes(body), Json.TriggerRequest);

        Assert.Null(request.Params);
    }

    [Fact]
    public void Read_AllFields_Bound()
    {
        var request = RequestBody.Read(
            """{"from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","maxConcurrent":3,"params":{"region":"eu"},"unknown":1}"""u8,
            Json.BackfillRequest);

        Assert.Equal(("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", 3), (request.From, request.To, request.MaxConcurrent));
        Assert.Equal("eu", request.Params!["region"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{", "Malformed JSON", "The body is not valid JSON")]
    [InlineData("[]", "Malformed JSON", "The body must be a JSON object.")]
    [InlineData("\"str\"", "Malformed JSON", "The body must be a JSON object.")]
    [InlineData("{\"params\":{}, \"params\":{\"n\":2}}", "Malformed JSON", "params")]
    [InlineData("{\"params\":\"x\"}", "Bad params", "'params' must be a JSON object, not a string: Parameter values")]
    [InlineData("{\"params\":[1]}", "Bad params", "'params' must be a JSON object, not an array")]
    [InlineData("{\"params\":1}", "Bad params", "'params' must be a JSON object, not the number 1")]
    public void Read_TriggerBodyThatDoesNotFit_400NamingTheField(string body, string title, string detail)
    {
        var problem = Refused(body, b => RequestBody.Read(b, Json.TriggerRequest));

        Assert.Equal(title, problem["title"]!.GetValue<string>());
        Assert.Contains(detail, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"to\":\"2026-01-02T00:00:00Z\"}", "Missing from", "'from' is required: First instant of the range")]
    [InlineData("{\"from\":null,\"to\":\"2026-01-02T00:00:00Z\"}", "Missing from", "'from' is required")]
    [InlineData("{\"from\":\"2026-01-01T00:00:00Z\"}", "Missing to", "'to' is required: Last instant of the range")]
    [InlineData("{\"from\":1,\"to\":2}", "Bad from", "'from' must be a string, not the number 1")]
    [InlineData("{\"from\":\"a\",\"to\":\"b\",\"maxConcurrent\":\"x\"}", "Bad maxConcurrent", "'maxConcurrent' must be a whole number, not a string")]
    [InlineData("{\"from\":\"a\",\"to\":\"b\",\"maxConcurrent\":1e400}", "Bad maxConcurrent", "'maxConcurrent' must be a whole number")]
    [InlineData("{\"from\":\"a\",\"to\":\"b\",\"maxConcurrent\":2.5}", "Bad maxConcurrent", "'maxConcurrent' must be a whole number, not the number 2.5")]
    public void Read_BackfillBodyThatDoesNotFit_400NamingTheField(string body, string title, string detail)
    {
        var problem = Refused(body, b => RequestBody.Read(b, Json.BackfillRequest));

        Assert.Equal(title, problem["title"]!.GetValue<string>());
        Assert.Contains(detail, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CancelReasonNotAString_400()
    {
        var problem = Refused("{\"reason\":5}", b => RequestBody.Read(b, Json.CancelRequest));

        Assert.Equal("Bad reason", problem["title"]!.GetValue<string>());
        Assert.Contains("'reason' must be a string, not the number 5", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ParamsNestedTooDeep_400()
    {
        var body = "{\"params\":{\"n\":" + new string('[', JsonNesting.MaxDepth + 1) + new string(']', JsonNesting.MaxDepth + 1) + "}}";

        var problem = Refused(body, b => RequestBody.Read(b, Json.TriggerRequest));

        Assert.Equal("Nested too deep", problem["title"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"status\":5}", "Bad status", "'status' must be a string, not the number 5")]
    [InlineData("{\"status\":\"FAILED\",\"retryable\":\"yes\"}", "Bad retryable", "'retryable' must be true or false, not a string")]
    [InlineData("{\"status\":\"DONE\"}", "Bad status", "status must be SUCCESS, FAILED or RUNNING, not 'DONE'.")]
    [InlineData("[1]", "Malformed JSON", "The body must be a JSON object.")]
    public void ReadCallbackOutcome_BodyThatDoesNotFit_400NamingTheField(string body, string title, string detail)
    {
        var problem = Refused(body, b => RunHandlers.ReadCallbackOutcome(b));

        Assert.Equal(title, problem["title"]!.GetValue<string>());
        Assert.Contains(detail, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", OutcomeKind.Succeeded)]
    [InlineData("{\"status\":\"running\"}", OutcomeKind.Accepted)]
    [InlineData("{\"status\":null,\"output\":{\"rows\":1}}", OutcomeKind.Succeeded)]
    [InlineData("{\"status\":\"FAILED\",\"retryable\":false,\"message\":\"no\"}", OutcomeKind.Failed)]
    public void ReadCallbackOutcome_Fits_Outcome(string body, OutcomeKind kind)
    {
        var outcome = RunHandlers.ReadCallbackOutcome(Encoding.UTF8.GetBytes(body));

        Assert.Equal(kind, outcome.Kind);
        if (kind == OutcomeKind.Failed) Assert.Equal((false, "no"), (outcome.Retryable, outcome.Message));
    }

    private static System.Text.Json.Nodes.JsonNode Refused(string body, Action<byte[]> read)
    {
        var refused = Assert.Throws<ApiProblemException>(() => read(Encoding.UTF8.GetBytes(body)));
        Assert.Equal(400, refused.Response.Status);
        return refused.Response.Body!;
    }
}
