using Loom.Testing;

namespace Loom.Functions.Tests;

/// <summary>One Azurite and one sample backend for the whole test assembly, so the host classes can run in parallel.</summary>
internal static class Shared
{
    private static readonly Lazy<Task<AzuriteFixture>> LazyAzurite = new(async () =>
    {
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        return azurite;
    });

    private static readonly Lazy<Task<BackendFixture>> LazyBackend = new(async () =>
    {
        var backend = new BackendFixture();
        await backend.InitializeAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => backend.DisposeAsync().GetAwaiter().GetResult();
        return backend;
    });

    /// <summary>Azurite on free ports (stopped with the test process: AzuriteFixture kills it on exit).</summary>
    public static Task<AzuriteFixture> Azurite => LazyAzurite.Value;

    /// <summary>The sample backend on 127.0.0.1, recording every request.</summary>
    public static Task<BackendFixture> Backend => LazyBackend.Value;
}
