using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Templating;
using static Loom.Core.Tests.Execution.ExecutionTestData;

namespace Loom.Core.Tests.Execution;

public sealed class HttpTaskRequestFactoryTests
{
    [Fact]
    public void Create_NoBody_SendsEnvelope()
    {
        var result = HttpTaskRequestFactory.Create(TaskDef("http://backend:8080/api/tasks/process"), Invocation(attempt: 2), Scope());

        Assert.True(result.IsSuccess, result.Failure?.Message);
        var request = result.Request;
        Assert.Equal("POST", request.Method);
        Assert.Equal("application/json; charset=utf-8", request.ContentType);
        var envelope = JsonNode.Parse(request.Body.Span)!.AsObject();
        var expected = JsonNode.Parse("""
            {
              "runId": "run-42",
              "workflowId": "daily-report",
              "taskId": "process",
              "attempt": 2,
              "scheduledAt": "2026-11-22T03:00:00Z",
              "params": { "region": "eu" },
              "inputs": { "fetch_data": { "rows": 3 } }
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, envelope), envelope.ToJsonString());
    }

    [Fact]
    public void Create_CallbackTask_EnvelopeCarriesCallbackUrl()
    {
        var result = HttpTaskRequestFactory.Create(TaskDef("http://backend/x"), Invocation(callbackUrl: "https://loom/api/callbacks/abc"), Scope());

        var envelope = JsonNode.Parse(result.Request!.Body.Span)!.AsObject();
        Assert.Equal("https://loom/api/callbacks/abc", (string?)envelope["callbackUrl"]);
    }

    [Fact]
    public void Create_Headers_LoomHeadersWinOverTaskHeaders()
    {
        var headers = new Dictionary<string, string> { ["X-Team"] = "data", ["X-Loom-Task-Id"] = "spoofed", ["Idempotency-Key"] = "mine" };

        var request = HttpTaskRequestFactory.Create(TaskDef("http://backend/x", headers: headers), Invocation(attempt: 3), Scope()).Request!;

        Assert.Equal("data", request.Headers["X-Team"]);
        Assert.Equal("run-42", request.Headers["X-Loom-Run-Id"]);
        Assert.Equal("daily-report", request.Headers["X-Loom-Workflow-Id"]);
        Assert.Equal("process", request.Headers["X-Loom-Task-Id"]);
        Assert.Equal("3", request.Headers["X-Loom-Attempt"]);
        Assert.Equal("run-42:process", request.Headers["Idempotency-Key"]);
        Assert.Equal("Loom/1.0", request.Headers["User-Agent"]);
        Assert.False(request.Headers.ContainsKey("X-Loom-Signature"));
    }

    [Fact]
    public void Create_EveryAttempt_SameIdempotencyKey()
    {
        var first = HttpTaskRequestFactory.Create(TaskDef("http://backend/x"), Invocation(attempt: 1), Scope()).Request!;
        var third = HttpTaskRequestFactory.Create(TaskDef("http://backend/x"), Invocation(attempt: 3), Scope()).Request!;

        Assert.Equal(first.Headers["Idempotency-Key"], third.Headers["Idempotency-Key"]);
        Assert.NotEqual(first.Headers["X-Loom-Attempt"], third.Headers["X-Loom-Attempt"]);
    }

    [Fact]
    public void Create_SigningKey_SignsExactBodyBytes()
    {
        var key = Encoding.UTF8.GetBytes("s3cret");

        var request = HttpTaskRequestFactory.Create(TaskDef("http://backend/x"), Invocation(), Scope(), key).Request!;

        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, request.Body.Span));
        Assert.Equal(expected, request.Headers["X-Loom-Signature"]);
        Assert.Matches("^sha256=[0-9a-f]{64}$", request.Headers["X-Loom-Signature"]);
    }

    [Fact]
    public void Create_JsonBody_SentAsJson()
    {
        var body = JsonNode.Parse("""{ "report": "daily", "limit": 10, "note": "é<>" }""");

        var request = HttpTaskRequestFactory.Create(TaskDef("http://backend/x", body: body), Invocation(), Scope()).Request!;

        Assert.Equal("application/json; charset=utf-8", request.ContentType);
        Assert.Equal("""{"report":"daily","limit":10,"note":"é<>"}""", Encoding.UTF8.GetString(request.Body.Span));
    }

    [Fact]
    public void Create_StringBodyWithContentTypeHeader_SentAsRawTextWithThatType()
    {
        var headers = new Dictionary<string, string> { ["Content-Type"] = "application/x-www-form-urlencoded" };

        var request = HttpTaskRequestFactory.Create(TaskDef("http://backend/x", body: JsonValue.Create("a=1&b=2"), headers: headers), Invocation(), Scope()).Request!;

        Assert.Equal("a=1&b=2", Encoding.UTF8.GetString(request.Body.Span));
        Assert.Equal("application/x-www-form-urlencoded", request.ContentType);
        Assert.False(request.Headers.ContainsKey("Content-Type"));
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("head")]
    public void Create_GetOrHeadWithoutBody_SendsNoBody(string method)
    {
        var request = HttpTaskRequestFactory.Create(TaskDef("http://backend/x", method), Invocation(), Scope()).Request!;

        Assert.Equal(method.ToUpperInvariant(), request.Method);
        Assert.True(request.Body.IsEmpty);
        Assert.Null(request.ContentType);
    }

    [Theory]
    [InlineData("/api/tasks/process")]
    [InlineData("ftp://backend/file")]
    [InlineData("not a url")]
    public void Create_BadUrl_InvalidFailure(string url)
    {
        var result = HttpTaskRequestFactory.Create(TaskDef(url), Invocation(), Scope());

        Assert.False(result.IsSuccess);
        Assert.Equal(OutcomeKind.Failed, result.Failure.Kind);
        Assert.Equal(FailureClass.Invalid, result.Failure.Failure);
        Assert.Contains("http or https", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_BadMethod_InvalidFailure()
    {
        var result = HttpTaskRequestFactory.Create(TaskDef("http://backend/x", "PO ST"), Invocation(), Scope());

        Assert.Equal(FailureClass.Invalid, result.Failure?.Failure);
    }

    [Theory]
    [InlineData("X-Token", "abc\r\nX-Injected: 1")]
    [InlineData("X-Bad Name", "v")]
    [InlineData("Content-Length", "5")]
    public void Create_BadHeader_InvalidFailureWithoutEchoingValue(string name, string value)
    {
        var headers = new Dictionary<string, string> { [name] = value };

        var result = HttpTaskRequestFactory.Create(TaskDef("http://backend/x", headers: headers), Invocation(), Scope());

        Assert.Equal(FailureClass.Invalid, result.Failure?.Failure);
        Assert.DoesNotContain("Injected", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TemplateCannotRender_InvalidFailure()
    {
        var result = HttpTaskRequestFactory.Create(TaskDef("http://backend/x?key=${{ secrets.MISSING }}"), Invocation(), Scope());

        Assert.False(result.IsSuccess);
        Assert.Equal(FailureClass.Invalid, result.Failure.Failure);
        Assert.Contains("url", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_Request_SummaryShowsQueryValuesAndRedactsSecretsInThem()
    {
        var scope = Scope() with { Secrets = new ConfiguredSecrets(new Dictionary<string, string> { ["TOKEN"] = "s3cr3t-value" }) };
        var request = HttpTaskRequestFactory.Create(
            TaskDef("http://backend:8080/api/run?token=${{ secrets.TOKEN }}&mode=full&region=${{ params.region }}"), Invocation(), scope).Request!;

        Assert.Equal("POST http://backend:8080/api/run?token=***&mode=full&region=eu", request.Summary);
    }

    [Theory]
    [InlineData("https://user:pw@example.com/a/b?x=1#frag", "GET https://***@example.com/a/b?x=1")]
    [InlineData("http://example.com/", "GET http://example.com/")]
    [InlineData("http://[::1]:8080/p?flag", "GET http://[::1]:8080/p?flag")]
    public void Summarize_Url_MasksUserInfoAndDropsFragment(string url, string expected)
    {
        Assert.Equal(expected, HttpTaskRequestFactory.Summarize("GET", new Uri(url)));
    }

    [Theory]
    [InlineData("https://user:pw@example.com/a/b?x=1&sig=abc#frag", "https://***@example.com/a/b?x=***&sig=***")]
    [InlineData("http://[::1]:8080/p?flag", "http://[::1]:8080/p?***")]
    public void MaskUri_RedirectTarget_MasksEveryQueryValue(string url, string expected)
    {
        Assert.Equal(expected, HttpTaskRequestFactory.MaskUri(new Uri(url)));
    }
}
