namespace Loom.Functions.Tests;

/// <summary>The hosts every scenario suite runs on.</summary>
public enum LoomHostKind
{
    /// <summary>The Function App on the in-memory Durable backend of the test host.</summary>
    DurableInMemory,

    /// <summary>The Function App on DurableTask.AzureStorage against Azurite, with host.json's settings.</summary>
    DurableAzureStorage,

    /// <summary>The self-hosted server on Azurite.</summary>
    Server,
}
