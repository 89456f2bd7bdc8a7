using Loom.Cli;

namespace Loom.Cli.Tests;

/// <summary>The offline commands: validate and plan, run in-process on real files.</summary>
public sealed class OfflineCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("loom-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private const string Valid = """
        id: daily-report
        name: Daily Report
        schedule: "0 3 * * *"
        tasks:
          - id: fetch_data
            type: http
            method: POST
            url: http://your-backend:8080/api/tasks/fetch-data
          - id: process
            type: http
            method: POST
            url: http://your-backend:8080/api/tasks/process
            dependsOn: [fetch_data]
        """;

    [Fact]
    public async Task Validate_AllValid_Exit0()
    {
        var (code, output, _) = await RunAsync("validate", Write("a.yaml", Valid));

        Assert.Equal(0, code);
        Assert.Contains("ok (daily-report, 2 task(s))", output);
    }

    [Fact]
    public async Task Validate_OneInvalid_Exit1AndFileLineColumnErrors()
    {
        var good = Write("good.yaml", Valid);
        var bad = Write("bad.yaml", """
            id: broken
            tasks:
              - id: a
                url: http://x/a
                dependsOn: [ghost]
              - id: a
                url: http://x/b
            """);

        var (code, output, _) = await RunAsync("validate", good, bad);

        Assert.Equal(1, code);
        var errors = output.Split('\n').Where(l => l.Contains(": error: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.StartsWith($"{bad}:5:", StringComparison.Ordinal) && e.Contains("ghost", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith($"{bad}:6:", StringComparison.Ordinal) && e.Contains("duplicate", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("1 valid, 1 invalid", output);
    }

    [Fact]
    public async Task Validate_MissingFile_Exit2()
    {
        var (code, output, _) = await RunAsync("validate", Path.Combine(_dir, "nope.yaml"));

        Assert.Equal(2, code);
        Assert.Contains("file not found", output);
    }

    [Fact]
    public async Task Validate_NoArguments_Exit2WithUsage()
    {
        var (code, _, error) = await RunAsync("validate");

        Assert.Equal(2, code);
        Assert.Contains("loom --help", error);
    }

    [Fact]
    public async Task UnknownCommand_Exit2()
    {
        var (code, _, _) = await RunAsync("frobnicate");

        Assert.Equal(2, code);
    }

    [Fact]
    public async Task Plan_Diamond_StagesCriticalPathAndFireTimes()
    {
        var path = Write("diamond.yaml", """
            id: diamond
            schedule: { cron: "30 2 * * *", timezone: America/New_York }
            tasks:
              - id: a
                url: http://x/a
              - id: b
                url: http://x/b
                dependsOn: [a]
              - id: c
                url: http://x/c
                dependsOn: [a]
              - id: d
                url: http://x/d
                dependsOn: [b, c]
            """);

        var (code, output, _) = await RunAsync("plan", path, "--from", "2026-03-07T12:00:00Z", "--count", "2");

        Assert.Equal(0, code);
        Assert.Contains("1. a", output);
        Assert.Contains("2. b, c", output);
        Assert.Contains("3. d", output);
        Assert.Contains("Critical path (3 task(s)): a -> b -> d", output);
        // 02:30 on the spring-forward day does not exist in New York: it fires once at 03:00 EDT (07:00 UTC).
        Assert.Contains("2026-03-08 03:00:00 -04:00", output);
        Assert.Contains("= 2026-03-08 07:00:00 UTC", output);
        Assert.Contains("= 2026-03-09 06:30:00 UTC", output);
    }

    [Fact]
    public async Task Plan_ConditionalWaitSample_ListsWaitsAndConditions()
    {
        var path = Path.Combine(Loom.Testing.AzuriteFixture.FindRepositoryRoot(), "samples", "workflows", "conditional-wait.yaml");

        var (code, output, _) = await RunAsync("plan", path);

        Assert.Equal(0, code);
        Assert.Contains("cool_down: waits 2s (no HTTP call)", output, StringComparison.Ordinal);
        Assert.Contains("notify_dev: runs only when params.env != 'prod'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_InvalidWorkflow_Exit1()
    {
        var (code, output, _) = await RunAsync("plan", Write("bad.yaml", "id: x\ntasks: []\n"));

        Assert.Equal(1, code);
        Assert.Contains(": error: ", output);
    }

    [Fact]
    public async Task Plan_BadFrom_Exit2()
    {
        var (code, output, _) = await RunAsync("plan", Write("a.yaml", Valid), "--from", "yesterday");

        Assert.Equal(2, code);
        Assert.Contains("ISO-8601", output);
    }

    [Fact]
    public async Task Samples_AllValidate()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "LoomFunctions.sln"))) root = Path.GetDirectoryName(root)!;
        var samples = Directory.GetFiles(Path.Combine(root, "samples", "workflows"), "*.yaml");

        var (code, output, _) = await RunAsync(["validate", .. samples]);

        Assert.True(samples.Length >= 4);
        Assert.Equal(0, code);
        Assert.Contains($"{samples.Length} valid, 0 invalid", output);
    }
}
