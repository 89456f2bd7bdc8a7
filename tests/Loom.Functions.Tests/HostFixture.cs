using System.Globalization;
using Loom.Functions.Tests.Hosting;
using Loom.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Loom.Functions.Tests;

/// <summary>
/// A host for a scenario suite, started once per test class: which host and what the suite needs of it are data
/// (<see cref="LoomHostKind"/>, <see cref="HostFeatures"/>), so each host is started in one place for every suite.
/// </summary>
/// <param name="kind">The host.</param>
/// <param name="tag">Suffix of every workflow id, so hosts sharing the backend's request log never mix runs.</param>
/// <param name="features">What the suite needs beyond the defaults.</param>
public abstract class HostFixture(LoomHostKind kind, string tag, HostFeatures features = HostFeatures.None) : IAsyncLifetime
{
    /// <summary>Events one orchestration generation applies before it continues as new (Function App hosts only).</summary>
    public const int ContinueAsNewAfter = 4;

    /// <summary>The value of the host secret <c>HOOK_SECRET</c> (hosts with <see cref="HostFeatures.EventTriggers"/>).</summary>
    public const string HookSecret = "test-hook-secret-0123456789";

    private readonly ShiftedClock? _clock = features.HasFlag(HostFeatures.FakeClock) ? new ShiftedClock() : null;

    internal ILoomHost Host { get; private set; } = null!;

    internal BackendFixture Backend { get; private set; } = null!;

    /// <summary>The Azurite the host stores in (tests write to its queues).</summary>
    internal AzuriteFixture Azurite { get; private set; } = null!;

    /// <summary>Suffix of every workflow id, so hosts sharing the backend's request log never mix runs.</summary>
    public string Tag => tag;

    /// <summary>The host's clock (<see cref="HostFeatures.FakeClock"/> only).</summary>
    internal ShiftedClock Clock => _clock ?? throw new InvalidOperationException($"The host '{tag}' runs on the real clock: give its fixture {nameof(HostFeatures.FakeClock)}.");

    /// <summary>The host's services (its stores, to check rows are gone, not only hidden).</summary>
    internal IServiceProvider Services => Host switch
    {
        FunctionAppHost app => app.Services,
        LoomTestServer server => server.Services,
        _ => throw new InvalidOperationException($"unknown host {Host.GetType().Name}"),
    };

    public async Task InitializeAsync()
    {
        var (azurite, backend) = await Shared.AcquireAsync();
        (Azurite, Backend) = (azurite, backend);
        Host = await StartAsync(azurite);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await Host.DisposeAsync();
        }
        finally
        {
            await Shared.ReleaseAsync();
        }
    }

    /// <summary>Lets one scheduler tick happen: the Function App's Timer function is fired; the server's own loop ticks every second (<see cref="HostFeatures.FakeClock"/>).</summary>
    internal Task TickAsync() => Host is FunctionAppHost app ? app.TickAsync() : Task.CompletedTask;

    private async Task<ILoomHost> StartAsync(AzuriteFixture azurite)
    {
        var settings = new Dictionary<string, string?>();
        if (features.HasFlag(HostFeatures.EventTriggers)) settings["Loom:Secrets:HOOK_SECRET"] = HookSecret;
        Action<IServiceCollection>? services = _clock is { } clock ? s => s.AddSingleton<TimeProvider>(clock) : null;
        var unique = Guid.NewGuid().ToString("N");
        switch (kind)
        {
            case LoomHostKind.Server:
                settings["Loom:QueueTriggersEnabled"] = features.HasFlag(HostFeatures.EventTriggers) ? "true" : "false";
                if (_clock is not null)
                {
                    settings["Loom:SchedulerEnabled"] = "true";
                    settings["Loom:SchedulerInterval"] = "00:00:01";
                }

                return await LoomTestServer.StartAsync(azurite, settings, services: services);
            default:
                // A small ContinueAsNewAfter, so runs cross generations.
                settings["Loom:ContinueAsNewAfter"] = ContinueAsNewAfter.ToString(CultureInfo.InvariantCulture);
                var backend = kind == LoomHostKind.DurableInMemory ? DurableBackends.InMemory() : DurableBackends.AzureStorage(azurite, "hub" + unique[..10]);
                return await FunctionAppHost.StartAsync(azurite, backend, "f" + tag + unique[..8], settings, services);
        }
    }
}
