using Loom.Core.Api;
using Loom.Functions.Hosting;
using Loom.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Loom.Functions.Tests;

/// <summary>
/// The Function App checks its settings when its host starts (the app's own wiring, <see cref="LoomFunctionsBuilder.AddLoom(IServiceCollection, IConfiguration)"/>,
/// on a generic host as the Functions worker builds one): a bad value stops it with a message naming the app setting.
/// </summary>
public sealed class SettingsAtStartTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["Loom:StorageConnectionString"] = "UseDevelopmentStorage=true",
        ["Loom:CallbackSigningKey"] = "test-callback-signing-key-0123456789",
    };

    [Fact]
    public async Task Start_CallbackSigningKeyShorterThan16_FailsNamingTheSetting()
    {
        using var host = Build(new() { ["Loom:CallbackSigningKey"] = "fifteen-chars!!" });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Loom:CallbackSigningKey (Loom__CallbackSigningKey) is 15 characters long; it must be at least 16.", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("fifteen-chars!!", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_CallbackSigningKeyUnset_FailsNamingTheSetting()
    {
        // Unlike the server, no per-process key: Function App instances scale out and must all accept every token.
        using var host = Build(new() { ["Loom:CallbackSigningKey"] = null });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Loom:CallbackSigningKey (Loom__CallbackSigningKey) is not set", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NoStorageSettings_FailsNamingBoth()
    {
        using var host = Build(new() { ["Loom:StorageConnectionString"] = null });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Loom:StorageConnectionString (Loom__StorageConnectionString) is not set", e.Message, StringComparison.Ordinal);
        Assert.Contains("Loom:TableServiceUri (Loom__TableServiceUri)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Loom:FunctionKeyRole", "superuser")]
    [InlineData("Loom:ContinueAsNewAfter", "0")]
    [InlineData("Loom:ApiKeys:0:Role", "1")]
    [InlineData("Loom:MaxBodyBytes", "-1")]
    [InlineData("Loom:RetentionDays", "-1")]
    [InlineData("Loom:RetentionDays", "36501")]
    [InlineData("Loom:Notify:OnFailure:0", "ftp://hooks.example.com/loom")]
    [InlineData("Loom:Notify:OnSlaMiss:0", "http://169.254.169.254/latest")]
    [InlineData("Loom:Notify:SigningSecret", "not a name")]
    public async Task Start_SettingOutOfBounds_FailsNamingTheSetting(string setting, string value)
    {
        using var host = Build(new() { ["Loom:ApiKeys:0:Key"] = "a-function-key", [setting] = value });

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"{setting} ({setting.Replace(":", "__", StringComparison.Ordinal)})", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_Valid_TheSharedServicesResolve()
    {
        using var host = Build([]);

        Assert.Equal("http://localhost:7071", host.Services.GetRequiredService<LoomOptions>().PublicBaseUrl);
        Assert.NotNull(host.Services.GetRequiredService<ApiServices>());
        Assert.IsNotType<ApiKeyAuthorizer>(host.Services.GetRequiredService<IApiAuthorizer>());
    }

    private static IHost Build(Dictionary<string, string?> overrides)
    {
        var settings = new Dictionary<string, string?>(Valid);
        foreach (var (key, value) in overrides) settings[key] = value;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLoom(builder.Configuration);
        return builder.Build();
    }
}
