using Loom.Testing;

namespace Loom.Server.Tests;

/// <summary>Every server test shares one Azurite and one sample backend; each test class starts its own Loom server with its own tables.</summary>
[CollectionDefinition("server")]
public sealed class ServerCollection : ICollectionFixture<AzuriteFixture>, ICollectionFixture<BackendFixture>;
