using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace Loom.Storage;

/// <summary>A pipeline policy that counts the requests sent to the Table service, each retry included (add it with <see cref="AddTo"/>).</summary>
public sealed class StorageRequestCounter : HttpPipelineSynchronousPolicy
{
    private long _total;

    /// <summary>Requests sent.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Adds this counter to a client's options, per retry, so every request on the wire counts once; returns the options.</summary>
    public TableClientOptions AddTo(TableClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return options;
    }

    /// <summary>Sets the count back to zero.</summary>
    public void Reset() => Interlocked.Exchange(ref _total, 0);

    /// <inheritdoc />
    public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _total);
}
