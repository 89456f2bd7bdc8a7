using System.CommandLine;

namespace Loom.Cli.Commands;

/// <summary><c>loom validate FILE...</c>: checks workflow files offline and prints FILE:LINE:COL: error: MESSAGE for each problem.</summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter output)
    {
        var files = new Argument<string[]>("files") { Description = "Workflow files (YAML or JSON)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("validate", "Validate workflow files without a server. Exit 0 when all are valid, 1 when any is invalid, 2 when a file cannot be read.") { files };
        command.SetAction(parse => Run(parse.GetValue(files) ?? [], output));
        return command;
    }

    private static int Run(string[] files, TextWriter output)
    {
        var invalid = 0;
        var unreadable = 0;
        foreach (var file in files)
        {
            var (result, problem) = WorkflowFiles.Load(file);
            if (result is null)
            {
                output.WriteLine(problem);
                unreadable++;
                continue;
            }
            if (result.IsValid)
            {
                output.WriteLine($"{file}: ok ({result.Definition!.Id}, {result.Definition.Tasks.Count} task(s))");
                continue;
            }
            invalid++;
            foreach (var e in result.Errors)
            {
                output.WriteLine($"{file}:{e.Line}:{e.Column}: error: {e.Message}");
            }
        }
        var valid = files.Length - invalid - unreadable;
        output.WriteLine($"{valid} valid, {invalid} invalid{(unreadable > 0 ? $", {unreadable} unreadable" : "")}");
        return unreadable > 0 ? ExitCodes.Usage : invalid > 0 ? ExitCodes.Failure : ExitCodes.Ok;
    }
}
