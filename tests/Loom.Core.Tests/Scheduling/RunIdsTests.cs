using System.Globalization;
using Loom.Core.Scheduling;

namespace Loom.Core.Tests.Scheduling;

public sealed class RunIdsTests
{
    [Fact]
    public void ForOccurrence_Formats_WorkflowAtUtcStamp()
    {
        Assert.Equal("daily-report@20260308T070000Z", RunIds.ForOccurrence("daily-report", Utc("2026-03-08T07:00:00Z")));
    }

    [Fact]
    public void ForOccurrence_SameInstantAnyOffsetOrFraction_SameId()
    {
        var a = RunIds.ForOccurrence("daily-report", Utc("2026-03-08T07:00:00Z"));
        var b = RunIds.ForOccurrence("daily-report", DateTimeOffset.Parse("2026-03-08T03:00:00-04:00", CultureInfo.InvariantCulture));
        var c = RunIds.ForOccurrence("daily-report", Utc("2026-03-08T07:00:00.400Z"));

        Assert.Equal(a, b);
        Assert.Equal(a, c);
    }

    [Fact]
    public void ForOccurrence_TickAndBackfillOfSameInstant_SameId()
    {
        var cron = CronSchedule.Parse("0 3 * * *", "UTC");
        var fromTick = RunIds.ForOccurrence("daily-report", cron.GetNext(Utc("2026-03-08T02:59:30Z"))!.Value);
        var fromBackfill = RunIds.ForOccurrence("daily-report", Backfill.Occurrences(cron, Utc("2026-03-08T00:00:00Z"), Utc("2026-03-08T23:59:59Z"), 5)[0]);

        Assert.Equal(fromTick, fromBackfill);
    }

    [Theory]
    [InlineData("daily-report")]
    [InlineData("my.flow")]
    [InlineData("etl_v2.nightly-run")]
    [InlineData("A")]
    [InlineData("x.-_9")]
    public void TryParseOccurrence_RoundTrips(string workflowId)
    {
        var occurrence = Utc("2026-11-01T05:30:15Z");
        var runId = RunIds.ForOccurrence(workflowId, occurrence);

        Assert.True(RunIds.TryParseOccurrence(runId, out var parsedWorkflow, out var parsedOccurrence));
        Assert.Equal(workflowId, parsedWorkflow);
        Assert.Equal(occurrence, parsedOccurrence);
        Assert.Equal(TimeSpan.Zero, parsedOccurrence.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("daily-report")]
    [InlineData("@20260308T070000Z")]
    [InlineData("daily-report@")]
    [InlineData("daily-report@2026")]
    [InlineData("daily-report@20260308T070000")]
    [InlineData("daily-report@20261308T070000Z")]
    [InlineData("daily-report@20260308 070000Z")]
    [InlineData("daily/report@20260308T070000Z")]
    [InlineData("daily-report@m20260308T070000123-0a1b2c3d")]
    public void TryParseOccurrence_NotAnOccurrenceId_False(string runId)
    {
        Assert.False(RunIds.TryParseOccurrence(runId, out _, out _));
    }

    [Fact]
    public void ForManual_Formats_MillisecondsAndHex()
    {
        var id = RunIds.ForManual("etl_v2.nightly", Utc("2026-03-08T07:00:00.123Z"), [0x0a, 0x1b, 0x2c, 0x3d, 0xff]);

        Assert.Equal("etl_v2.nightly@m20260308T070000123-0a1b2c3d", id);
        Assert.True(RunIds.TryGetWorkflowId(id, out var workflowId));
        Assert.Equal("etl_v2.nightly", workflowId);
    }

    [Fact]
    public void ForManual_DifferentRandomness_DifferentIds()
    {
        var now = Utc("2026-03-08T07:00:00Z");

        Assert.NotEqual(RunIds.ForManual("wf", now, [1, 2, 3, 4]), RunIds.ForManual("wf", now, [1, 2, 3, 5]));
    }

    [Fact]
    public void ForManual_TooLittleRandomness_Throws()
    {
        Assert.Throws<ArgumentException>(() => RunIds.ForManual("wf", Utc("2026-03-08T07:00:00Z"), [1, 2, 3]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a@b")]
    [InlineData("a b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\\b")]
    [InlineData("a\u0001b")]
    [InlineData("é")]
    public void ForOccurrence_UnsafeWorkflowId_Throws(string workflowId)
    {
        Assert.Throws<ArgumentException>(() => RunIds.ForOccurrence(workflowId, Utc("2026-03-08T07:00:00Z")));
        Assert.Throws<ArgumentException>(() => RunIds.ForManual(workflowId, Utc("2026-03-08T07:00:00Z"), [1, 2, 3, 4]));
    }

    [Theory]
    [InlineData("daily-report")]
    [InlineData("etl_v2.nightly-run")]
    public void Ids_SafeAsTableKeysAndPathSegments(string workflowId)
    {
        string[] ids =
        [
            RunIds.ForOccurrence(workflowId, Utc("2026-12-31T23:59:59Z")),
            RunIds.ForManual(workflowId, Utc("2026-12-31T23:59:59.999Z"), [0xde, 0xad, 0xbe, 0xef]),
        ];

        foreach (var id in ids)
        {
            Assert.DoesNotContain(id, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
            Assert.Equal(id, Uri.EscapeDataString(id).Replace("%40", "@", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TryGetWorkflowId_Garbage_False()
    {
        Assert.False(RunIds.TryGetWorkflowId("no-at-sign", out _));
        Assert.False(RunIds.TryGetWorkflowId("wf@", out _));
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
}
