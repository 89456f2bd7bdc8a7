using System.CommandLine;
using System.Globalization;

namespace Loom.Cli.Commands;

/// <summary>The <c>--limit</c> and <c>--since</c> options a listing command shares (<c>run list</c>, <c>deadletters list</c>), read and checked once.</summary>
/// <param name="Limit">At most this many items (1-1000, default 20).</param>
/// <param name="Since">Only items at or after this ISO-8601 instant.</param>
internal sealed record ListingOptions(Option<int> Limit, Option<string?> Since)
{
    /// <summary>The two options, described for <paramref name="items"/> (e.g. "runs") filtered as <paramref name="what"/> (e.g. "runs created").</summary>
    public static ListingOptions Create(string items, string what) => new(
        new Option<int>("--limit", "-n") { Description = $"At most this many {items} (1-1000)", DefaultValueFactory = _ => 20 },
        new Option<string?>("--since") { Description = $"Only {what} at or after this instant (ISO-8601)" });

    /// <summary>The values given; false with the usage error's exit code in <paramref name="exit"/> when one is out of range or unreadable.</summary>
    public bool TryRead(CliContext context, ParseResult parse, out int limit, out DateTimeOffset? since, out int exit)
    {
        limit = parse.GetValue(Limit);
        since = null;
        exit = ExitCodes.Ok;
        if (limit is < 1 or > 1000)
        {
            exit = context.UsageError("--limit must be between 1 and 1000");
            return false;
        }

        if (parse.GetValue(Since) is { } text)
        {
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                exit = context.UsageError($"--since '{text}' is not an ISO-8601 instant");
                return false;
            }

            since = at;
        }

        return true;
    }
}
