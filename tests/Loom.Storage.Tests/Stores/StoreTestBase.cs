using Azure.Data.Tables;
using Loom.Storage.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

/// <summary>Gives each test class its own table prefix on the shared Azurite.</summary>
public abstract class StoreTestBase(AzuriteFixture azurite)
{
    protected TableStoreOptions Options { get; } = new() { TablePrefix = Azurite.UniqueName("s") };

    protected TableServiceClient Service { get; } = Azurite.Tables(azurite);

    protected LoomStorageAccount Stores => new(Service, Options);

    /// <summary>The stores on the same tables through a client with <paramref name="clientOptions"/> (e.g. a policy that counts requests).</summary>
    protected LoomStorageAccount StoresWith(TableClientOptions clientOptions) => new(Azurite.Tables(azurite, clientOptions), Options);

    /// <summary>Ids that exercise what Table keys forbid, plus unicode.</summary>
    public static TheoryData<string> AwkwardIds => new()
    {
        "plain",
        "with/slash\\back#hash?question%percent|pipe",
        "ctrl\u0001\u001f\u007f\u0085chars",
        "ünïcødé 雪 🎉 'quote'",
        new string('x', 600) + "/long",
    };
}
