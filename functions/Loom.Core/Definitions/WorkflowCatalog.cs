using Loom.Core.Stores;

namespace Loom.Core.Definitions;

/// <summary>
/// Loads workflow versions from the store and parses them once; versions are immutable, so the cache never goes stale. The
/// cache is bounded (by versions and by the size of their sources), least recently used first out: every registration adds a
/// version, so an unbounded cache would grow for the life of the process.
/// </summary>
/// <remarks>
/// Every definition it hands out carries the host's notification defaults (<c>Loom:Notify</c>) for the lists its own
/// <c>notify:</c> leaves out (<see cref="NotifySpec.Effective"/>), so a run's state machine knows where its notifications go.
/// </remarks>
/// <param name="store">The workflow store.</param>
/// <param name="notifyDefaults">The host's notification defaults; null for none.</param>
public sealed class WorkflowCatalog(IWorkflowStore store, NotifySpec? notifyDefaults = null)
{
    /// <summary>Most versions kept parsed.</summary>
    public const int MaxCachedVersions = 256;

    /// <summary>Most characters of source (a fair proxy for a definition's size in memory) over all versions kept parsed.</summary>
    public const long MaxCachedChars = 16L * 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string, int), LinkedListNode<Entry>> _cache = [];
    private readonly LinkedList<Entry> _recency = new();
    private long _cachedChars;

    /// <summary>The store behind the catalog.</summary>
    public IWorkflowStore Store => store;

    /// <summary>Versions kept parsed now (diagnostics and tests).</summary>
    public int CachedCount
    {
        get
        {
            lock (_gate) return _cache.Count;
        }
    }

    /// <summary>The definition of one version, or null when that version does not exist.</summary>
    public async Task<WorkflowDefinition?> GetAsync(string workflowId, int version, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_cache.TryGetValue((workflowId, version), out var hit))
            {
                _recency.Remove(hit);
                _recency.AddFirst(hit);
                return hit.Value.Definition;
            }
        }

        var record = await store.GetVersionAsync(workflowId, version, cancellationToken);
        if (record is null) return null;
        var parsed = WorkflowParser.Parse(record.Source);
        // A stored version was valid when registered; if a later Loom rejects it, say so rather than run it half-understood.
        var definition = parsed.Definition ?? throw new InvalidOperationException(
            $"Stored workflow {workflowId} v{version} no longer parses: {string.Join("; ", parsed.Errors)}");
        return Add(workflowId, version, definition, record.Source.Length);
    }

    /// <summary>The current version's head and definition, or null when the workflow does not exist or is deleted.</summary>
    public async Task<(WorkflowHead Head, WorkflowDefinition Definition)?> GetCurrentAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        var head = await store.GetHeadAsync(workflowId, cancellationToken);
        if (head is null || head.Deleted) return null;
        var definition = await GetAsync(workflowId, head.CurrentVersion, cancellationToken);
        return definition is null ? null : (head, definition);
    }

    /// <summary>The head and current definition of every workflow not deleted, in the store's order.</summary>
    public async Task<IReadOnlyList<(WorkflowHead Head, WorkflowDefinition Definition)>> ListCurrentAsync(CancellationToken cancellationToken = default)
    {
        var current = new List<(WorkflowHead, WorkflowDefinition)>();
        foreach (var head in await store.ListHeadsAsync(false, cancellationToken))
        {
            if (await GetAsync(head.WorkflowId, head.CurrentVersion, cancellationToken) is { } definition) current.Add((head, definition));
        }

        return current;
    }

    /// <summary>Adds a definition parsed at registration, sparing a re-parse; <paramref name="sourceChars"/> is the length of its source.</summary>
    public void Remember(WorkflowDefinition definition, int version, int sourceChars) => Add(definition.Id, version, definition, sourceChars);

    /// <summary>The definition as runs use it: the host's notification defaults filled in.</summary>
    public WorkflowDefinition WithHostDefaults(WorkflowDefinition definition) =>
        definition with { Notify = NotifySpec.Effective(definition.Notify, notifyDefaults) };

    private WorkflowDefinition Add(string workflowId, int version, WorkflowDefinition definition, int sourceChars)
    {
        definition = WithHostDefaults(definition);
        lock (_gate)
        {
            if (_cache.TryGetValue((workflowId, version), out var cached)) return cached.Value.Definition;
            _cache[(workflowId, version)] = _recency.AddFirst(new Entry((workflowId, version), definition, sourceChars));
            _cachedChars += sourceChars;
            while (_recency.Count > 1 && (_recency.Count > MaxCachedVersions || _cachedChars > MaxCachedChars))
            {
                var oldest = _recency.Last!;
                _recency.RemoveLast();
                _cache.Remove(oldest.Value.Key);
                _cachedChars -= oldest.Value.Chars;
            }
        }

        return definition;
    }

    private sealed record Entry((string, int) Key, WorkflowDefinition Definition, int Chars);
}
