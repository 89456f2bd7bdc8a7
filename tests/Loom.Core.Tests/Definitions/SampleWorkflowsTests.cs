using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

public class SampleWorkflowsTests
{
    public static TheoryData<string> SampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(SamplesFolder(), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Parse_SampleWorkflow_IsValid(string fileName)
    {
        var source = File.ReadAllText(Path.Combine(SamplesFolder(), fileName));

        var result = WorkflowParser.Parse(source);

        Assert.True(result.IsValid, $"{fileName}: " + string.Join("; ", result.Errors));
        Assert.StartsWith("#", source, StringComparison.Ordinal);
        Assert.Equal(Path.GetFileNameWithoutExtension(fileName), result.Definition!.Id);
    }

    [Fact]
    public void SamplesFolder_HoldsTheFourDocumentedSamples()
    {
        var names = Directory.EnumerateFiles(SamplesFolder(), "*.yaml").Select(Path.GetFileName).ToHashSet();

        Assert.Superset(new HashSet<string?> { "daily-report.yaml", "etl-fanout.yaml", "retry-demo.yaml", "callback-demo.yaml" }, names);
    }

    [Fact]
    public void DailyReport_HasThreeChainedTasks()
    {
        var definition = WorkflowParser.Parse(File.ReadAllText(Path.Combine(SamplesFolder(), "daily-report.yaml"))).Definition!;

        Assert.Equal("0 3 * * *", definition.Schedule!.Cron);
        Assert.Equal(["fetch_data", "process", "publish"], definition.Tasks.Select(t => t.Id));
        Assert.Equal(["process"], definition.Tasks[2].DependsOn);
    }

    [Fact]
    public void RetryDemo_RetriesFixedOneSecondFiveTimes()
    {
        var definition = WorkflowParser.Parse(File.ReadAllText(Path.Combine(SamplesFolder(), "retry-demo.yaml"))).Definition!;

        var flaky = Assert.Single(definition.Tasks, t => t.Url.Contains("flaky?failTimes=2", StringComparison.Ordinal));
        Assert.Equal(5, flaky.Retry.MaxAttempts);
        Assert.Equal(BackoffKind.Fixed, flaky.Retry.Backoff);
        Assert.Equal(TimeSpan.FromSeconds(1), flaky.Retry.Delay);
    }

    [Fact]
    public void CallbackDemo_HasACallbackTaskWithTimeout()
    {
        var definition = WorkflowParser.Parse(File.ReadAllText(Path.Combine(SamplesFolder(), "callback-demo.yaml"))).Definition!;

        Assert.Contains(definition.Tasks, t => t.Completion == CompletionMode.Callback);
    }

    private static string SamplesFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LoomFunctions.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return Path.Combine(directory.FullName, "samples", "workflows");
    }
}
