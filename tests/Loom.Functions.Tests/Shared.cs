using Loom.Testing;

namespace Loom.Functions.Tests;

/// <summary>
/// One Azurite and one sample backend shared by every test class that holds a lease, so the host classes can run in
/// parallel on one pair; the last lease to go stops both (xunit 2 has no assembly fixture, and a test host process may
/// end without running exit handlers).
/// </summary>
internal static class Shared
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static int _leases;
    private static AzuriteFixture? _azurite;
    private static BackendFixture? _backend;

    /// <summary>Starts the pair if no one holds it, and takes a lease on it; give it back with <see cref="ReleaseAsync"/>.</summary>
    public static async Task<(AzuriteFixture Azurite, BackendFixture Backend)> AcquireAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_leases == 0)
            {
                var azurite = new AzuriteFixture();
                await azurite.InitializeAsync();
                var backend = new BackendFixture();
                await backend.InitializeAsync();
                (_azurite, _backend) = (azurite, backend);
            }

            _leases++;
            return (_azurite!, _backend!);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Gives a lease back; the last one stops Azurite and the backend.</summary>
    public static async Task ReleaseAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (--_leases > 0) return;
            await _backend!.DisposeAsync();
            await _azurite!.DisposeAsync();
            (_azurite, _backend) = (null, null);
        }
        finally
        {
            Gate.Release();
        }
    }
}
