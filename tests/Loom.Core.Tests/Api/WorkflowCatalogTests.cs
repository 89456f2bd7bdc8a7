using Loom.Core.Api;
using Loom.Core.Definitions;

namespace Loom.Core.Tests.Api;

/// <summary>The parsed-definition cache is bounded: every registration adds a version, and versions are never removed.</summary>
public sealed class WorkflowCatalogTests
{
    private static readonly WorkflowDefinition Definition = new() { Id = "w", Tasks = [] };

    [Fact]
    public void Remember_MoreVersionsThanTheBound_KeepsTheMostRecent()
    {
        var catalog = new WorkflowCatalog(null!);

        for (var version = 1; version <= WorkflowCatalog.MaxCachedVersions + 44; version++)
        {
            catalog.Remember(Definition, version, sourceChars: 100);
        }

        Assert.Equal(WorkflowCatalog.MaxCachedVersions, catalog.CachedCount);
    }

    [Fact]
    public void Remember_LargeSources_BoundedByTheirSize()
    {
        var catalog = new WorkflowCatalog(null!);

        for (var version = 1; version <= 100; version++)
        {
            catalog.Remember(Definition, version, sourceChars: WorkflowParser.MaxSourceBytes);
        }

        Assert.Equal((int)(WorkflowCatalog.MaxCachedChars / WorkflowParser.MaxSourceBytes), catalog.CachedCount);
    }
}
