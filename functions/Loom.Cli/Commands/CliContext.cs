using System.CommandLine;
using Loom.Cli.Api;
using Loom.Cli.Rendering;
using Durations = Loom.Core.Definitions.Durations;

namespace Loom.Cli.Commands;

/// <summary>What every online command shares: the writers, the environment, the connection options and the error mapping.</summary>
internal sealed class CliContext
{
    /// <summary>The URL used when neither --url nor LOOM_URL is set.</summary>
    public const string DefaultUrl = Loom.Core.Api.LocalAddress.Url;

    private readonly Func<string, string?> _environment;

    /// <summary>Creates the context of one invocation.</summary>
    public CliContext(TextWriter output, TextWriter error, Func<string, string?> environment, bool interactive, TimeProvider time)
    {
        Output = output;
        Error = error;
        _environment = environment;
        Interactive = interactive;
        Time = time;
    }

    /// <summary>Where results go (stdout).</summary>
    public TextWriter Output { get; }

    /// <summary>Where failures go (stderr).</summary>
    public TextWriter Error { get; }

    /// <summary>True when stdout is a terminal: live views redraw in place and statuses are coloured.</summary>
    public bool Interactive { get; }

    /// <summary>The clock for elapsed times and polling delays.</summary>
    public TimeProvider Time { get; }

    /// <summary>--url, on every command.</summary>
    public Option<string?> Url { get; } = new("--url")
    {
        Description = $"Loom's base URL (default: $LOOM_URL, else {DefaultUrl})",
        Recursive = true,
    };

    /// <summary>--key, on every command.</summary>
    public Option<string?> Key { get; } = new("--key")
    {
        Description = "API key sent as x-functions-key (default: $LOOM_KEY)",
        Recursive = true,
    };

    /// <summary>A new -o option for one command.</summary>
    public static Option<string> OutputOption()
    {
        var option = new Option<string>("--output", "-o")
        {
            Description = "Output format: table, json (the API's JSON) or yaml",
            DefaultValueFactory = _ => "table",
            HelpName = "table|json|yaml",
        };
        option.AcceptOnlyFromAmong(Printer.FormatNames);
        return option;
    }

    /// <summary>A new --interval option: how often live views poll.</summary>
    public static Option<TimeSpan?> IntervalOption() => new("--interval")
    {
        Description = "How often to poll the server while waiting, e.g. 500ms or 2s (default 1s)",
        HelpName = "duration",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Durations.TryParse(text, out var value) && value >= TimeSpan.FromMilliseconds(50)) return value;
            result.AddError($"--interval '{text}' is not a duration of at least 50ms ({Durations.Help})");
            return null;
        },
    };

    /// <summary>The polling interval a command was given, or the default of one second.</summary>
    public static TimeSpan Interval(ParseResult parse, Option<TimeSpan?> option) => parse.GetValue(option) ?? TimeSpan.FromSeconds(1);

    /// <summary>Sets an action that talks to the server: builds the client, runs, and turns API failures into messages and exit codes.</summary>
    public void SetApiAction(Command command, Func<ParseResult, LoomApiClient, CancellationToken, Task<int>> run)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var url = parse.GetValue(Url) ?? Env("LOOM_URL") ?? DefaultUrl;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            {
                await Error.WriteLineAsync($"loom: '{url}' is not an http:// or https:// URL (set --url or LOOM_URL)");
                return ExitCodes.Usage;
            }
            var key = parse.GetValue(Key) ?? Env("LOOM_KEY");
            using var client = new LoomApiClient(baseUrl, key);
            try
            {
                return await run(parse, client, cancellationToken);
            }
            catch (LoomApiException ex)
            {
                return await ReportAsync(ex, baseUrl, key);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Error.WriteLineAsync("loom: interrupted");
                return ExitCodes.Interrupted;
            }
        });
    }

    /// <summary>Prints a failed call in one clear sentence (plus the workflow errors, if any) and returns its exit code.</summary>
    public async Task<int> ReportAsync(LoomApiException ex, Uri baseUrl, string? key, string? file = null)
    {
        switch (ex.Failure)
        {
            case ApiFailure.Unreachable:
                await Error.WriteLineAsync($"loom: cannot reach Loom at {baseUrl}: {ex.Message}");
                return ExitCodes.Unreachable;
            case ApiFailure.Unauthorized:
                await Error.WriteLineAsync(string.IsNullOrEmpty(key)
                    ? $"loom: the server wants a key and none was given (set --key or LOOM_KEY): {ex.Message}"
                    : $"loom: the server refused the key: {ex.Message}");
                return ExitCodes.Unauthorized;
            case ApiFailure.Forbidden:
                await Error.WriteLineAsync($"loom: the key may not do this: {ex.Message}");
                return ExitCodes.Forbidden;
            case ApiFailure.NotFound:
                await Error.WriteLineAsync($"loom: {Sentence(ex.Message)}");
                return ExitCodes.NotFound;
            case ApiFailure.Rejected:
                await Error.WriteLineAsync($"loom: the server rejected the request ({ex.Status} {ex.Title ?? "Bad request"}): {ex.Message}");
                foreach (var e in ex.Errors)
                {
                    await Error.WriteLineAsync(file is null ? $"  {e.Line}:{e.Column}: error: {e.Message}" : $"{file}:{e.Line}:{e.Column}: error: {e.Message}");
                }
                return ex.Errors.Count > 0 ? ExitCodes.Failure : ExitCodes.Rejected;
            default:
                await Error.WriteLineAsync($"loom: the server failed ({(ex.Status is { } s ? $"HTTP {s}" : "bad answer")}): {ex.Message}");
                return ExitCodes.ServerError;
        }
    }

    /// <summary>Writes "loom: MESSAGE" to the error writer and returns <see cref="ExitCodes.Usage"/>.</summary>
    public int UsageError(string message)
    {
        Error.WriteLine($"loom: {message}");
        return ExitCodes.Usage;
    }

    private string? Env(string name) => _environment(name) is { Length: > 0 } value ? value : null;

    // "No run with id 'x'." reads as "loom: no run with id 'x'" after the prefix.
    private static string Sentence(string message)
    {
        var text = message.TrimEnd('.');
        return text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;
    }
}
