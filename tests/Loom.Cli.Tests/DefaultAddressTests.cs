using Loom.Cli.Commands;
using Loom.Hosting;
using Loom.Server.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Loom.Cli.Tests;

/// <summary>The server started with no address listens where <c>loom</c> calls by default, so the quick start's next command works.</summary>
public sealed class DefaultAddressTests
{
    [Fact]
    public async Task ServerWithoutUrls_ListensWhereTheCliCallsByDefault()
    {
        await using var app = LoomServerHost.Build([]);

        // GenericWebHostService binds Kestrel to this key (ASPNETCORE_URLS and --urls set the same key).
        var listens = app.Services.GetRequiredService<IConfiguration>()["urls"];

        Assert.Equal("http://127.0.0.1:8080", CliContext.DefaultUrl);
        Assert.Equal(CliContext.DefaultUrl, listens);
        Assert.Equal(CliContext.DefaultUrl, app.Services.GetRequiredService<LoomOptions>().PublicBaseUrl);
    }

    [Fact]
    public async Task ServerWithUrls_TheGivenAddressWins()
    {
        await using var app = LoomServerHost.Build(["--urls", "http://127.0.0.1:9123"]);

        Assert.Equal("http://127.0.0.1:9123", app.Services.GetRequiredService<IConfiguration>()["urls"]);
    }
}
