using Azure.Core;
using Azure.Core.Pipeline;

namespace Loom.Storage.Connection;

/// <summary>A pipeline policy that counts the requests sent to each storage service (set it on <see cref="StorageClientOptions.RequestCounter"/>).</summary>
public sealed class StorageRequestCounter : HttpPipelineSynchronousPolicy
{
    internal const string ServiceProperty = "Loom.Storage.Service";
    private long _tables;
    private long _queues;

    /// <summary>Requests sent to the Table service.</summary>
    public long Tables => Interlocked.Read(ref _tables);

    /// <summary>Requests sent to the Queue service.</summary>
    public long Queues => Interlocked.Read(ref _queues);

    /// <summary>All requests.</summary>
    public long Total => Tables + Queues;

    /// <summary>Requests sent to one service.</summary>
    public long Count(StorageService service) => service == StorageService.Table ? Tables : Queues;

    /// <summary>Sets every count back to zero.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _tables, 0);
        Interlocked.Exchange(ref _queues, 0);
    }

    /// <inheritdoc />
    public override void OnSendingRequest(HttpMessage message)
    {
        if (message.TryGetProperty(ServiceProperty, out var value) && value is StorageService service)
        {
            Interlocked.Increment(ref service == StorageService.Table ? ref _tables : ref _queues);
        }
    }
}
