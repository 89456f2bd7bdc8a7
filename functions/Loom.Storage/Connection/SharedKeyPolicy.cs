using Azure.Core;
using Azure.Core.Pipeline;

namespace Loom.Storage.Connection;

/// <summary>Signs each request (each retry anew, with a fresh x-ms-date) with the account key, by the rule of its service.</summary>
internal sealed class SharedKeyPolicy(string accountName, byte[] key, StorageService service) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var date = Header(request, "x-ms-date") ?? SharedKeySigner.FormatDate(TimeProvider.System.GetUtcNow());
        request.Headers.SetValue("x-ms-date", date);
        var uri = request.Uri.ToUri();
        string stringToSign;
        if (service == StorageService.Table)
        {
            stringToSign = SharedKeySigner.TableStringToSign(
                request.Method.Method, Header(request, "Content-MD5"), Header(request, "Content-Type"), date, accountName, uri);
        }
        else
        {
            stringToSign = SharedKeySigner.QueueStringToSign(
                request.Method.Method, name => HeaderOrLength(request, name), request.Headers.Select(h => (h.Name, h.Value)), accountName, uri);
        }

        request.Headers.SetValue("Authorization", $"SharedKey {accountName}:{SharedKeySigner.Sign(key, stringToSign)}");
    }

    private static string? Header(Request request, string name) => request.Headers.TryGetValue(name, out var value) ? value : null;

    // The transport sets Content-Length after the pipeline runs, so it is computed here the same way it will be sent.
    private static string? HeaderOrLength(Request request, string name)
    {
        if (name == "Content-Length")
        {
            return request.Content is not null && request.Content.TryComputeLength(out var length) && length > 0
                ? length.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : "";
        }

        return Header(request, name);
    }
}
