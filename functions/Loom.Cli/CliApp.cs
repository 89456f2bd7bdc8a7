using System.CommandLine;
using Loom.Cli.Commands;

namespace Loom.Cli;

/// <summary>Exit codes of <c>loom</c>, documented in <c>loom --help</c>.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The input is invalid (validate), or the run failed (watch), or the server refused the request.</summary>
    public const int Failure = 1;

    /// <summary>Wrong usage: unknown command or option, missing argument, unreadable file.</summary>
    public const int Usage = 2;
}

/// <summary>Builds and runs the <c>loom</c> command tree; output goes to the given writers so tests run it in-process.</summary>
public static class CliApp
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns its exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("""
            loom: the command-line client of Loom, a workflow orchestrator of HTTP tasks.

            Exit codes: 0 success; 1 invalid workflow, failed run or refused request; 2 wrong usage or unreadable file.
            """);
        root.Subcommands.Add(ValidateCommand.Create(output));
        root.Subcommands.Add(PlanCommand.Create(output));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) await error.WriteLineAsync($"loom: {e.Message}");
            await error.WriteLineAsync("Run 'loom --help' for usage.");
            return ExitCodes.Usage;
        }
        var config = new InvocationConfiguration { Output = output, Error = error };
        return await parse.InvokeAsync(config, cancellationToken);
    }
}
