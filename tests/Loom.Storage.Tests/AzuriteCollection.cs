using Azure.Data.Tables;
using Loom.Testing;

namespace Loom.Storage.Tests;

/// <summary>One Azurite for the whole test run.</summary>
[CollectionDefinition("azurite")]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>;

/// <summary>Helpers to reach the shared Azurite.</summary>
internal static class Azurite
{
    /// <summary>A Table service client on the fixture's connection string (explicit endpoints, Shared Key), optionally with options.</summary>
    public static TableServiceClient Tables(AzuriteFixture fixture, TableClientOptions? options = null) =>
        new(fixture.ConnectionString, options ?? new TableClientOptions());

    /// <summary>A table or queue name unique to one test (letters and digits only).</summary>
    public static string UniqueName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];
}
