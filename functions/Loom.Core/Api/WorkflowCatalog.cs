using System.Collections.Concurrent;
using Loom.Core.Definitions;
using Loom.Core.Stores;

namespace Loom.Core.Api;

/// <summary>Loads workflow versions from the store and parses them once; versions are immutable, so the cache never goes stale.</summary>
public sealed class WorkflowCatalog(IWorkflowStore store)
{
    private readonly ConcurrentDictionary<(string, int), WorkflowDefinition> _cache = new();

    /// <summary>The store behind the catalog.</summary>
    public IWorkflowStore Store => store;

    /// <summary>The definition of one version, or null when that version does not exist.</summary>
    public async Task<WorkflowDefinition?> GetAsync(string workflowId, int version, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGetValue((workflowId, version), out var cached)) return cached;
        var record = await store.GetVersionAsync(workflowId, version, cancellationToken);
        if (record is null) return null;
        var parsed = WorkflowParser.Parse(record.Source);
        // A stored version was valid when registered; if a later Loom rejects it, say so rather than run it half-understood.
        var definition = parsed.Definition ?? throw new InvalidOperationException(
            $"Stored workflow {workflowId} v{version} no longer parses: {string.Join("; ", parsed.Errors)}");
        _cache.TryAdd((workflowId, version), definition);
        return definition;
    }

    /// <summary>The current version's head and definition, or null when the workflow does not exist or is deleted.</summary>
    public async Task<(WorkflowHead Head, WorkflowDefinition Definition)?> GetCurrentAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        var head = await store.GetHeadAsync(workflowId, cancellationToken);
        if (head is null || head.Deleted) return null;
        var definition = await GetAsync(workflowId, head.CurrentVersion, cancellationToken);
        return definition is null ? null : (head, definition);
    }

    /// <summary>Adds a definition parsed at registration, sparing a re-parse.</summary>
    public void Remember(WorkflowDefinition definition, int version) => _cache.TryAdd((definition.Id, version), definition);
}
