using Loom.Core.Api;
using Loom.Hosting;
using Loom.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Loom.Core.Execution;

namespace Loom.Server.Tests.Hosting;

/// <summary>The server checks its settings when it starts: a bad value stops it with a message naming the setting, before it listens or touches storage.</summary>
public sealed class SettingsAtStartTests
{
    [Fact]
    public async Task Start_CallbackSigningKeyShorterThan16_FailsNamingTheSetting()
    {
        await using var app = Build(new() { ["Loom:CallbackSigningKey"] = "fifteen-chars!!" });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Loom:CallbackSigningKey (Loom__CallbackSigningKey) is 15 characters long; it must be at least 16.", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("fifteen-chars!!", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_CallbackSigningKeyOf16_Passes()
    {
        await using var app = Build(new() { ["Loom:CallbackSigningKey"] = "sixteen-chars!!!" });

        Assert.Equal("sixteen-chars!!!", app.Services.GetRequiredService<LoomOptions>().CallbackSigningKey);
        Assert.NotNull(app.Services.GetRequiredService<CallbackTokens>());
    }

    [Fact]
    public async Task Start_CallbackSigningKeyUnset_SignsWithAKeyOfThisProcess()
    {
        // As documented for the server: unset is allowed (callbacks then break on restart); only a set-but-bad key stops it.
        await using var app = Build([]);

        Assert.Equal("", app.Services.GetRequiredService<LoomOptions>().CallbackSigningKey);
        var tokens = app.Services.GetRequiredService<CallbackTokens>();
        Assert.NotEmpty(tokens.Create(new CallbackTarget("run-1", "task", 1)));
    }

    [Theory]
    [InlineData("Loom:MaxConcurrentCalls", "0")]
    [InlineData("Loom:MaxBodyBytes", "0")]
    [InlineData("Loom:ProcessTimeout", "00:00:02")]
    [InlineData("Loom:RecoveryInterval", "00:00:00")]
    [InlineData("Loom:SchedulerInterval", "00:00:00")]
    [InlineData("Loom:TablePrefix", "loom-prod")]
    [InlineData("Loom:PublicBaseUrl", "loom.example.com")]
    [InlineData("Loom:StorageConnectionString", "AccountName=x;AccountKey=!!notbase64")]
    [InlineData("Loom:Streams:PollInterval", "00:00:00")]
    [InlineData("Loom:ApiKeys:0:Role", "admn")]
    [InlineData("Loom:RetentionDays", "-5")]
    public async Task Start_SettingOutOfBounds_FailsNamingTheSetting(string setting, string value)
    {
        await using var app = Build(new() { ["Loom:ApiKeys:0:Key"] = "a-key-0123456789", [setting] = value });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains($"{setting} ({setting.Replace(":", "__", StringComparison.Ordinal)})", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SeveralBadSettings_NamesEveryOne()
    {
        await using var app = Build(new() { ["Loom:CallbackSigningKey"] = "short", ["Loom:TablePrefix"] = "9lives" });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Loom:CallbackSigningKey", e.Message, StringComparison.Ordinal);
        Assert.Contains("Loom:TablePrefix", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The server as Program.cs builds it, on a free loopback port, with <paramref name="settings"/> over its defaults.</summary>
    private static WebApplication Build(Dictionary<string, string?> settings) =>
        LoomServerHost.Build(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
        });
}
