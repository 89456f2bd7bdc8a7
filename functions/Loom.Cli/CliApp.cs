using System.CommandLine;
using Loom.Cli.Commands;

namespace Loom.Cli;

/// <summary>Builds and runs the <c>loom</c> command tree; output goes to the given writers so tests run it in-process.</summary>
public static class CliApp
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns its exit code (see <see cref="ExitCodes"/>).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        RunAsync(args, output, error, Environment.GetEnvironmentVariable, IsTerminal(output), cancellationToken);

    /// <summary>As <see cref="RunAsync(string[], TextWriter, TextWriter, CancellationToken)"/>, with the environment and the terminal check given (for tests).</summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment, bool interactive, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(output, error, environment, interactive, TimeProvider.System);
        var root = new RootCommand($"""
            loom: the command-line client of Loom, a workflow orchestrator of HTTP tasks.

            Connection: --url (or LOOM_URL, default {CliContext.DefaultUrl}) and --key (or LOOM_KEY, sent as x-functions-key);
            the same for the self-hosted server and the Function App.

            {ExitCodes.Help}
            """);
        root.Options.Add(context.Url);
        root.Options.Add(context.Key);
        root.Subcommands.Add(ValidateCommand.Create(output));
        root.Subcommands.Add(PlanCommand.Create(context));
        root.Subcommands.Add(WorkflowCommands.Create(context));
        root.Subcommands.Add(RunCommands.Create(context));
        root.Subcommands.Add(LogsCommand.Create(context));
        root.Subcommands.Add(DeadLetterCommands.Create(context));
        root.Subcommands.Add(CircuitCommands.Create(context));
        root.Subcommands.Add(StatsCommand.Create(context));

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

    // Only the real console can be a terminal; a redirected stdout (a pipe, a file, a test's writer) gets the line-per-change form.
    private static bool IsTerminal(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb";
}
