namespace Loom.Cli;

/// <summary>Entry point of the <c>loom</c> command.</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => CliApp.RunAsync(args, Console.Out, Console.Error);
}
