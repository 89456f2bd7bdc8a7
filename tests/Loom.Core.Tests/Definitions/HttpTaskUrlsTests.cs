using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Execution;
using Loom.Core.Templating;
using Loom.Core.Tests.Execution;
using static Loom.Core.Tests.Execution.ExecutionTestData;

namespace Loom.Core.Tests.Definitions;

/// <summary>Template values in URLs stay data in their place: encoded in the path, query and fragment; a host, port or base URL only whole and checked.</summary>
public sealed class HttpTaskUrlsTests
{
    [Theory]
    [InlineData("../../../admin?x=", "http://h/api/..%2F..%2F..%2Fadmin%3Fx%3D/detail")]
    [InlineData("a#b", "http://h/api/a%23b/detail")]
    [InlineData("x@evil:1", "http://h/api/x%40evil%3A1/detail")]
    [InlineData("eu", "http://h/api/eu/detail")]
    public void Render_ValueInPath_EncodedAsOneSegment(string value, string expected)
    {
        var rendered = HttpTaskUrls.Render("http://h/api/${{ params.p }}/detail", Scope(value));

        Assert.Equal(expected, rendered);
        var uri = new Uri(rendered);
        Assert.Equal("h", uri.Host);
        Assert.StartsWith("/api/", uri.AbsolutePath, StringComparison.Ordinal);
        Assert.EndsWith("/detail", uri.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal("", uri.Query);
    }

    [Fact]
    public void Render_ValueInQuery_CannotAddParameters()
    {
        var rendered = HttpTaskUrls.Render("http://h/x?a=${{ params.p }}&b=1", Scope("1&admin=true#frag"));

        Assert.Equal("http://h/x?a=1%26admin%3Dtrue%23frag&b=1", rendered);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    public void Render_DotSegmentValue_Refused(string value)
    {
        var error = Assert.Throws<TemplateException>(() => HttpTaskUrls.Render("http://h/api/${{ params.p }}/detail", Scope(value)));

        Assert.Contains("'.' or '..' path segment", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:1@evil")]
    [InlineData("evil/x")]
    [InlineData("user@h")]
    [InlineData("h?x")]
    [InlineData("")]
    public void Render_HostValueNotAHost_RefusedWithoutQuotingIt(string value)
    {
        var error = Assert.Throws<TemplateException>(() => HttpTaskUrls.Render("http://${{ params.p }}:8080/x", Scope(value)));

        Assert.Contains("must be a host name or IP address", error.Message, StringComparison.Ordinal);
        if (value.Length > 0) Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://${{ params.p }}:8080/x", "backend.internal", "http://backend.internal:8080/x")]
    [InlineData("http://h:${{ params.p }}/x", "8081", "http://h:8081/x")]
    [InlineData("${{ params.p }}/api/x", "https://h:8443/", "https://h:8443/api/x")]
    [InlineData("${{ params.p }}/api/x", "http://h/base", "http://h/base/api/x")]
    public void Render_WholeHostPortOrBase_Accepted(string template, string value, string expected)
    {
        Assert.Equal(expected, HttpTaskUrls.Render(template, Scope(value)));
    }

    [Theory]
    [InlineData("${{ params.p }}/x", "http://user:pw@h", "URL's base")]
    [InlineData("${{ params.p }}/x", "http://h/?q=1", "URL's base")]
    [InlineData("${{ params.p }}/x", "ftp://h", "URL's base")]
    [InlineData("http://h:${{ params.p }}/x", "80@evil", "URL's port")]
    [InlineData("http://h:${{ params.p }}/x", "70000", "URL's port")]
    public void Render_BadBaseOrPort_Refused(string template, string value, string message)
    {
        var error = Assert.Throws<TemplateException>(() => HttpTaskUrls.Render(template, Scope(value)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestFactory_ParamWithTraversal_SentToTheTemplatedPath()
    {
        var task = TaskDef("http://backend/api/${{ params.p }}/detail");

        var request = HttpTaskRequestFactory.Create(task, Invocation(), Scope("../../../admin?x=")).Request!;

        Assert.Equal("/api/..%2F..%2F..%2Fadmin%3Fx%3D/detail", request.Uri.AbsolutePath);
        Assert.Equal("", request.Uri.Query);
    }

    [Fact]
    public void RunParameters_HostParamThatIsNotAHost_RefusedAtTrigger()
    {
        var definition = WorkflowParser.Parse("""
            id: w
            params: { host: backend }
            tasks:
              - id: t
                url: http://${{ params.host }}:8080/x
            """).Definition!;

        var good = RunParameters.Resolve(definition, new JsonObject { ["host"] = "other.internal" });
        var bad = RunParameters.Resolve(definition, new JsonObject { ["host"] = "127.0.0.1:1@evil" });

        Assert.True(good.IsValid, string.Join("; ", good.Errors));
        var error = Assert.Single(bad.Errors);
        Assert.Contains("parameter 'host' must be a host name or IP address", error, StringComparison.Ordinal);
        Assert.Contains("task 't'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PartlyTemplatedHost_ErrorAtTheUrlWithLineAndColumn()
    {
        var result = WorkflowParser.Parse("""
            id: w
            params: { sub: api }
            tasks:
              - id: t
                url: http://${{ params.sub }}.example.com/x
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal((5, 10), (error.Line, error.Column));
        Assert.Contains("the whole host or port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DefaultHostThatIsNotAHost_ErrorAtTheUrlWithLineAndColumn()
    {
        var result = WorkflowParser.Parse("""
            id: w
            params: { host: "127.0.0.1:1@evil" }
            tasks:
              - id: t
                url: http://${{ params.host }}:8080/x
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal((5, 10), (error.Line, error.Column));
        Assert.Equal("the default of parameter 'host' must be a host name or IP address (it is the URL's host)", error.Message);
    }

    private static TemplateScope Scope(string value) => ExecutionTestData.Scope() with { Params = new JsonObject { ["p"] = value } };
}
