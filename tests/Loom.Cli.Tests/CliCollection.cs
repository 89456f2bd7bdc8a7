using Loom.Testing;

namespace Loom.Cli.Tests;

/// <summary>The online CLI tests share one Azurite and one sample backend; each test class starts its own Loom server.</summary>
[CollectionDefinition("cli")]
public sealed class CliCollection : ICollectionFixture<AzuriteFixture>, ICollectionFixture<BackendFixture>;

/// <summary>What one in-process run of <c>loom</c> printed and returned.</summary>
/// <param name="Code">Exit code.</param>
/// <param name="Out">Standard output.</param>
/// <param name="Err">Standard error.</param>
public sealed record CliResult(int Code, string Out, string Err)
{
    /// <summary>Everything printed, for failure messages.</summary>
    public override string ToString() => $"exit {Code}\n--- stdout\n{Out}\n--- stderr\n{Err}";
}

/// <summary>Runs <c>loom</c> in-process against a server, with an empty environment and the non-terminal output.</summary>
public sealed class Cli(string url, string? key)
{
    /// <summary>Pretend stdout is a terminal (live views redraw in place).</summary>
    public bool Interactive { get; init; }

    /// <summary>Runs the CLI with --url and --key appended (both options work after the command).</summary>
    public async Task<CliResult> RunAsync(params string[] args)
    {
        var all = new List<string>(args) { "--url", url };
        if (key is not null) all.AddRange(["--key", key]);
        return await RunRawAsync(all.ToArray(), _ => null, Interactive);
    }

    /// <summary>Runs the CLI with exactly these arguments and this environment.</summary>
    public static async Task<CliResult> RunRawAsync(string[] args, Func<string, string?> environment, bool interactive = false)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        // A watch that never ends must fail the test, not hang the suite.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await CliApp.RunAsync(args, output, error, environment, interactive, timeout.Token);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}
