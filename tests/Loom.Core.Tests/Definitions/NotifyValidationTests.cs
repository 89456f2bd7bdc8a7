using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

/// <summary><c>notify:</c> and <c>sla:</c> in YAML: read into the definition, every bad value reported with its line and column.</summary>
public sealed class NotifyValidationTests
{
    [Fact]
    public void Parse_NotifyAndSla_ReadIntoTheDefinition()
    {
        var result = WorkflowParser.Parse("""
            id: nightly
            sla: 15m
            notify:
              onFailure: [https://hooks.example.com/loom, "${{ secrets.SLACK_HOOK }}"]
              onSuccess: https://hooks.example.com/ok
              onSlaMiss: []
            tasks:
              - id: load
                url: https://backend.example.com/load
                sla: 90s
            """);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var wf = result.Definition!;
        Assert.Equal(TimeSpan.FromMinutes(15), wf.Sla);
        Assert.Equal(TimeSpan.FromSeconds(90), wf.Tasks[0].Sla);
        Assert.Equal(["https://hooks.example.com/loom", "${{ secrets.SLACK_HOOK }}"], wf.Notify!.OnFailure);
        Assert.Equal(["https://hooks.example.com/ok"], wf.Notify.OnSuccess);
        Assert.Empty(wf.Notify.OnSlaMiss!);
    }

    [Theory]
    [InlineData("onFailure: [ftp://hooks.example.com/x]", 4, 15, "use an absolute http:// or https:// URL")]
    [InlineData("onFailure: [http://169.254.169.254/latest]", 4, 15, "SSRF guard")]
    [InlineData("onSuccess: \"http://[::ffff:169.254.169.254]/x\"", 4, 14, "SSRF guard")]
    [InlineData("onFailure: [\"https://hooks.example.com/${{ params.x }}\"]", 4, 15, "secrets.NAME")]
    [InlineData("onFailure: [\"x${{ secrets.HOOK }}\"]", 4, 15, "secrets.NAME")]
    [InlineData("onFaliure: [https://hooks.example.com/x]", 4, 3, "did you mean 'onFailure'")]
    public void Parse_BadNotify_ErrorAtTheValue(string entry, int line, int column, string expected)
    {
        // As the API parses: with the SSRF guard's check of addresses it always refuses.
        var result = WorkflowParser.Parse($$"""
            id: w
            tasks: [{ id: a, url: "https://backend.example.com/a" }]
            notify:
              {{entry}}
            """, Loom.Core.Execution.NotifyUrlGuard.AlwaysRefused);

        var error = Assert.Single(result.Errors);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Theory]
    [InlineData("sla: soon", "invalid duration 'soon'")]
    [InlineData("sla: 0s", "'sla' must be from 1s")]
    [InlineData("notify: [https://hooks.example.com]", "'notify' must be a mapping")]
    public void Parse_BadWorkflowValue_Reported(string entry, string expected)
    {
        var result = WorkflowParser.Parse($$"""
            id: w
            tasks: [{ id: a, url: "https://backend.example.com/a" }]
            {{entry}}
            """);

        var error = Assert.Single(result.Errors);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Effective_HostDefaultsFillOnlyTheListsAWorkflowLeavesOut()
    {
        var defaults = new NotifySpec { OnFailure = ["http://ops/fail"], OnSuccess = ["http://ops/ok"], SigningSecret = "HOOKS" };
        var own = new NotifySpec { OnSuccess = [] };

        var effective = NotifySpec.Effective(own, defaults)!;

        Assert.Equal(["http://ops/fail"], effective.For(NotifyKind.Failure));
        Assert.Empty(effective.For(NotifyKind.Success));
        Assert.Empty(effective.For(NotifyKind.SlaMiss));
        Assert.Equal("HOOKS", effective.SigningSecret);
        Assert.Same(defaults, NotifySpec.Effective(null, defaults));
        Assert.Null(NotifySpec.Effective(new NotifySpec { OnFailure = [] }, null));
    }

    [Fact]
    public void Catalog_DefinitionsCarryTheHostDefaults()
    {
        var catalog = new WorkflowCatalog(null!, new NotifySpec { OnFailure = ["http://ops/fail"] });
        var parsed = WorkflowParser.Parse("id: w\ntasks: [{ id: a, url: \"https://backend.example.com/a\" }]").Definition!;

        Assert.Equal(["http://ops/fail"], catalog.WithHostDefaults(parsed).Notify!.OnFailure);
        Assert.Null(new WorkflowCatalog(null!).WithHostDefaults(parsed).Notify);
    }

    [Fact]
    public void Urls_SecretResolvedAndShownByName_LiteralShownByOrigin()
    {
        var secrets = new Loom.Core.Templating.ConfiguredSecrets(new Dictionary<string, string> { ["HOOK"] = "https://hooks.slack.com/services/T0/B0/XYZ", ["BAD"] = "not a url" });

        Assert.Equal("https://hooks.slack.com/services/T0/B0/XYZ", NotifyUrls.Resolve("${{ secrets.HOOK }}", secrets, out _));
        Assert.Null(NotifyUrls.Resolve("${{ secrets.BAD }}", secrets, out var bad));
        Assert.DoesNotContain("not a url", bad, StringComparison.Ordinal);
        Assert.Null(NotifyUrls.Resolve("${{ secrets.MISSING_NOTIFY_HOOK }}", secrets, out var missing));
        Assert.Contains("not configured", missing, StringComparison.Ordinal);
        Assert.Equal("secrets.HOOK", NotifyUrls.Display("${{ secrets.HOOK }}"));
        Assert.Equal("https://hooks.example.com", NotifyUrls.Display("https://hooks.example.com/T0/secret-path?token=1"));
    }
}
