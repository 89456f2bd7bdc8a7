using Azure.Core;
using Azure.Core.Pipeline;

namespace Loom.Storage.Connection;

/// <summary>Builds the Azure.Core pipeline of one service: Azure.Core's retries (408, 429, 500, 502, 503, 504, timeouts), then counting and authentication per attempt.</summary>
internal static class StoragePipeline
{
    /// <summary>The OAuth scope for Azure Storage.</summary>
    public const string StorageScope = "https://storage.azure.com/.default";

    public static HttpPipeline Build(StorageConnection connection, StorageClientOptions options, StorageService service)
    {
        var perRetry = new List<HttpPipelinePolicy> { new DatePolicy() };
        if (options.RequestCounter is not null)
        {
            perRetry.Add(options.RequestCounter);
        }

        if (connection.AccountKey is { } key)
        {
            perRetry.Add(new SharedKeyPolicy(connection.AccountName, key, service));
        }
        else if (connection.Credential is { } credential)
        {
            perRetry.Add(new BearerTokenAuthenticationPolicy(credential, StorageScope));
        }

        return HttpPipelineBuilder.Build(options, [], [.. perRetry], new ResponseClassifier());
    }
}

/// <summary>Stamps each attempt with a fresh x-ms-date from the wall clock (the services reject requests more than 15 minutes off).</summary>
internal sealed class DatePolicy : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message) =>
        message.Request.Headers.SetValue("x-ms-date", SharedKeySigner.FormatDate(TimeProvider.System.GetUtcNow()));
}
