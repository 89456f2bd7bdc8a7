using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Loom.Core.Telemetry;

namespace Loom.Storage;

/// <summary>
/// A pipeline policy that counts the requests sent to the Table service, each retry included (add it with <see cref="AddTo"/>),
/// and records each one with its latency into Loom's meter (<c>loom.storage.requests</c>, <c>loom.storage.request.duration</c>).
/// </summary>
public sealed class StorageRequestCounter : HttpPipelinePolicy
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
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Start(message);
        try
        {
            ProcessNext(message, pipeline);
        }
        finally
        {
            Finish(message, started);
        }
    }

    /// <inheritdoc />
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Start(message);
        try
        {
            await ProcessNextAsync(message, pipeline);
        }
        finally
        {
            Finish(message, started);
        }
    }

    private long Start(HttpMessage message)
    {
        Interlocked.Increment(ref _total);
        return Stopwatch.GetTimestamp();
    }

    private static void Finish(HttpMessage message, long started) =>
        LoomTelemetry.StorageRequest(message.Request.Method.Method, message.HasResponse ? message.Response.Status : null, Stopwatch.GetElapsedTime(started));
}
