using Loom.Storage.Connection;
using Loom.Testing;

namespace Loom.Storage.Tests;

/// <summary>One Azurite for the whole test run.</summary>
[CollectionDefinition("azurite")]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>;

/// <summary>Helpers to reach the shared Azurite.</summary>
internal static class Azurite
{
    public static StorageConnection Connection(AzuriteFixture fixture) => StorageConnection.Parse(fixture.ConnectionString);

    /// <summary>A table or queue name unique to one test (letters and digits only).</summary>
    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];
}
