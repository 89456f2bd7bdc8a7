using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Cli.Rendering;

namespace Loom.Cli.Commands;

/// <summary><c>loom deadletters ...</c>: list, show, redrive, ack.</summary>
internal static class DeadLetterCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("deadletters", "Tasks that failed for good and runs that failed without one, until acknowledged.");
        command.Aliases.Add("dl");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(ShowOne(context));
        command.Subcommands.Add(Redrive(context));
        command.Subcommands.Add(Ack(context));
        return command;
    }

    private static Command List(CliContext context)
    {
        var workflow = new Option<string?>("--workflow") { Description = "Only this workflow's dead letters" };
        var listing = ListingOptions.Create("dead letters", "those");
        var output = CliContext.OutputOption();
        var command = new Command("list", "List open dead letters, newest first.") { workflow, listing.Limit, listing.Since, output };
        command.Aliases.Add("ls");
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            if (!listing.TryRead(context, parse, out var n, out var after, out var exit)) return exit;
            var body = await client.ListDeadLettersAsync(parse.GetValue(workflow), n, after, ct);
            Printer.Write(context.Output, Printer.Parse(parse.GetValue(output)), body, w =>
            {
                var table = new TextTable("ID", "RUN", "TASK", "ATTEMPT", "FAILED", "REASON");
                foreach (var d in (body["items"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    table.Add(Show.Str(d["id"]), Show.Str(d["runId"]), Show.Str(d["taskId"]) is { Length: > 0 } t ? t : "(run)",
                        Show.Int(d["attempt"])?.ToString(CultureInfo.InvariantCulture) ?? "", Show.Time(d["failedAt"]), Show.OneLine(Show.Str(d["reason"]) ?? ""));
                }
                if (table.Count == 0) w.WriteLine("no dead letters");
                else table.WriteTo(w);
                if (Show.Str(body["continuation"]) is { Length: > 0 }) w.WriteLine($"(more exist; raise --limit above {n} to see them)");
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ShowOne(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Dead letter id" };
        var output = CliContext.OutputOption();
        var command = new Command("show", "Show one dead letter.") { id, output };
        command.Aliases.Add("get");
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var d = await client.GetDeadLetterAsync(parse.GetValue(id)!, ct);
            Printer.Write(context.Output, Printer.Parse(parse.GetValue(output)), d, w =>
            {
                w.WriteLine($"Dead letter:  {Show.Str(d["id"])} ({Show.Str(d["kind"])})");
                w.WriteLine($"Workflow:     {Show.Str(d["workflowId"])}");
                w.WriteLine($"Run:          {Show.Str(d["runId"])}");
                if (Show.Str(d["taskId"]) is { Length: > 0 } task) w.WriteLine($"Task:         {task} (attempt {Show.Int(d["attempt"])})");
                w.WriteLine($"Failed:       {Show.Time(d["failedAt"])}");
                w.WriteLine($"Reason:       {Show.OneLine(Show.Str(d["reason"]) ?? "")}");
                w.WriteLine(d["acknowledgedAt"] is null ? "Acknowledged: no" : $"Acknowledged: {Show.Time(d["acknowledgedAt"])} by {Show.Str(d["acknowledgedBy"])}");
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Redrive(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "Dead letter id" };
        var wait = new Option<bool>("--wait", "-w") { Description = "Watch the run until it ends; the exit code is its outcome" };
        var interval = CliContext.IntervalOption();
        var command = new Command("redrive", "Redrive the dead letter's run in place from its task (and downstream), or every task that did not succeed for a run's dead letter.") { id, wait, interval };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            var d = await client.GetDeadLetterAsync(parse.GetValue(id)!, ct);
            string[] tasks = Show.Str(d["taskId"]) is { Length: > 0 } task ? [task] : [];
            return await RunCommands.RedriveAsync(context, client, Show.Str(d["runId"]) ?? "", tasks, parse.GetValue(wait), CliContext.Interval(parse, interval), ct);
        });
        return command;
    }

    private static Command Ack(CliContext context)
    {
        var ids = new Argument<string[]>("id") { Description = "Dead letter id(s)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("ack", "Acknowledge dead letters: they leave the listing (the records are kept, with who acknowledged them).") { ids };
        context.SetApiAction(command, async (parse, client, ct) =>
        {
            foreach (var one in parse.GetValue(ids)!)
            {
                var d = await client.AcknowledgeDeadLetterAsync(one, ct);
                await context.Output.WriteLineAsync($"acknowledged {Show.Str(d["id"])} (run {Show.Str(d["runId"])})");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
