using Loom.Core.Api;
using Loom.Core.Engine;

namespace Loom.Hosting;

/// <summary>What differs between the hosts in the shared composition: defaults of unset settings and what the host adds to the API's services.</summary>
public sealed record LoomHostProfile
{
    /// <summary>The host's name in start-up errors ("server", "Function App").</summary>
    public required string Name { get; init; }

    /// <summary>Connection string used when neither <c>StorageConnectionString</c> nor <c>TableServiceUri</c> is set; empty means one of them is required.</summary>
    public string DefaultStorageConnectionString { get; init; } = "";

    /// <summary>Callback base URL used when <c>PublicBaseUrl</c> is not set.</summary>
    public required string DefaultPublicBaseUrl { get; init; }

    /// <summary>
    /// Whether an unset <c>CallbackSigningKey</c> stops the host at start. When false the host signs with a key generated per
    /// process (callbacks handed out before a restart stop verifying). A key that is set but too short always stops it.
    /// </summary>
    public bool RequiresCallbackSigningKey { get; init; }

    /// <summary>
    /// Whether the run store keeps its open-run index (<c>TableStoreOptions.OpenRunIndex</c>) for a recovery sweep: the
    /// server's sweep reads it; the Function App has none (Durable resumes every unfinished run) and saves its writes.
    /// </summary>
    public bool OpenRunIndex { get; init; } = true;

    /// <summary>
    /// How long the statistics' write of a workflow's hour waits for more finished runs of it (<c>RunStatsRecorder</c>): zero
    /// writes at once. The Function App gathers, so runs finishing together cost one conditional write instead of one each.
    /// </summary>
    public TimeSpan StatsGatherWindow { get; init; } = TimeSpan.Zero;

    /// <summary>The run driver the API starts and cancels runs with (the Function App binds a real one per request).</summary>
    public required Func<IServiceProvider, IRunDriver> RunDriver { get; init; }

    /// <summary>What the host adds to the API's services built from the shared ones (diagnostics, streams).</summary>
    public Func<IServiceProvider, ApiServices, ApiServices> CompleteApi { get; init; } = (_, api) => api;
}
