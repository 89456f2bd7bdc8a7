using Loom.Core.Definitions;
using Loom.Core.Retention;
using Loom.Core.Stores;

namespace Loom.Core.Tests.Retention;

public sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private static RunRecord Run(string status, DateTimeOffset? finished, string outbox = "") => new()
    {
        RunId = "r", WorkflowId = "w", WorkflowVersion = 1, Status = status, CreatedAt = Now.AddDays(-40), FinishedAt = finished, State = "{}", Outbox = outbox,
    };

    [Theory]
    [InlineData(null, 30, 30)]
    [InlineData(7, 30, 7)]
    [InlineData(0, 30, 0)]
    [InlineData(90, 0, 90)]
    public void DaysFor_WorkflowOverride_WinsOverTheHost(int? workflow, int host, int expected) =>
        Assert.Equal(expected, RetentionPolicy.DaysFor(workflow, host));

    [Fact]
    public void Cutoff_ZeroDays_KeepsForever()
    {
        Assert.Null(RetentionPolicy.Cutoff(Now, 0));
        Assert.Equal(Now.AddDays(-30), RetentionPolicy.Cutoff(Now, 30));
    }

    [Theory]
    [InlineData("succeeded", -31, "", true)]
    [InlineData("failed", -31, "", true)]
    [InlineData("cancelled", -31, "", true)]
    [InlineData("succeeded", -29, "", false)]
    [InlineData("failed", -31, "[{\"kind\":\"save\"}]", false)]
    public void IsExpired_FinishedRuns_OnlyOlderThanTheCutoffAndOwingNothing(string status, int finishedDaysAgo, string outbox, bool expected) =>
        Assert.Equal(expected, RetentionPolicy.IsExpired(Run(status, Now.AddDays(finishedDaysAgo), outbox), Now.AddDays(-30)));

    [Theory]
    [InlineData("running")]
    [InlineData("pending")]
    public void IsExpired_LiveRun_Never(string status)
    {
        // A live run has no finish time; even one carrying an old one (a redrive under way) is kept.
        Assert.False(RetentionPolicy.IsExpired(Run(status, null), Now));
        Assert.False(RetentionPolicy.IsExpired(Run(status, Now.AddDays(-400)), Now));
    }

    [Fact]
    public void Parse_RetentionDays_MapsTheOverride()
    {
        var result = WorkflowParser.Parse("""
            id: w
            retentionDays: 7
            tasks:
              - id: a
                url: https://example.com/a
            """);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(7, result.Definition!.RetentionDays);
        Assert.Null(WorkflowParser.Parse("id: w\ntasks:\n  - id: a\n    url: https://example.com/a\n").Definition!.RetentionDays);
    }

    [Theory]
    [InlineData("-1", 2, 16, "'retentionDays' must be from 0 to 36500, not -1")]
    [InlineData("36501", 2, 16, "'retentionDays' must be from 0 to 36500, not 36501")]
    [InlineData("soon", 2, 16, "an integer from 0 to 36500")]
    [InlineData("[1]", 2, 16, "an integer from 0 to 36500")]
    public void Parse_BadRetentionDays_ReportsLineAndColumn(string value, int line, int column, string message)
    {
        var result = WorkflowParser.Parse($"""
            id: w
            retentionDays: {value}
            tasks:
              - id: a
                url: https://example.com/a
            """);

        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }
}
