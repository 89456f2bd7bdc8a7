using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Cli.Rendering;

namespace Loom.Cli.Commands;

/// <summary><c>loom circuits</c>: the circuit breaker of every target origin.</summary>
internal static class CircuitCommands
{
    public static Command Create(CliContext context)
    {
        var output = CliContext.OutputOption();
        var command = new Command("circuits", "Circuit breakers per target origin: state, failures in the window, when it opened, when held calls are tried again.") { output };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var body = await client.ListCircuitsAsync(ct);
            Printer.Write(context.Output, Printer.Parse(parse.GetValue(output)), body, w =>
            {
                var table = new TextTable("ORIGIN", "STATE", "FAILURES", "OPENED", "RETRY AT");
                foreach (var c in (body["items"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    table.Add(Show.Str(c["origin"]) ?? "", Show.Str(c["state"]) ?? "", Show.Int(c["failuresInWindow"])?.ToString(CultureInfo.InvariantCulture) ?? "",
                        c["openedAt"] is null ? "" : Show.Time(c["openedAt"]), c["retryAt"] is null ? "" : Show.Time(c["retryAt"]));
                }
                if (table.Count == 0) w.WriteLine("no circuits (no task with circuitBreaker has called its target yet)");
                else table.WriteTo(w);
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
