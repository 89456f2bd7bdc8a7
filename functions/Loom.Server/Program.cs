using Loom.Server.Apis;
using Loom.Server.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddLoomServer();

var app = builder.Build();
app.MapLoomApi();
app.MapLoomDashboard();
app.Run();

/// <summary>The server's entry point, public so functional tests can host it.</summary>
public partial class Program;
