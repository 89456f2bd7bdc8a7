using Loom.Server.Hosting;

LoomServerHost.Build(args).Run();

/// <summary>The server's entry point, public so functional tests can host it.</summary>
public partial class Program;
