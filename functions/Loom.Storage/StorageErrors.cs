using System.Text.Json;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Loom.Storage.Connection;

namespace Loom.Storage;

/// <summary>Turns a failed response into a typed <see cref="StorageException"/>.</summary>
internal static class StorageErrors
{
    public static StorageException FromResponse(Response response, StorageService service, string operation)
    {
        var (code, message) = ReadError(response);
        var kind = Classify(response.Status, code, service);
        var text = $"{operation} failed: {response.Status} {code ?? response.ReasonPhrase}{(string.IsNullOrEmpty(message) ? "" : ": " + message)}";
        int? index = null;
        if (message is not null)
        {
            var colon = message.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && int.TryParse(message.AsSpan(0, colon), System.Globalization.CultureInfo.InvariantCulture, out var i))
            {
                index = i;
            }
        }

        return new StorageException(kind, response.Status, code, text) { FailedOperationIndex = index };
    }

    public static StorageErrorKind Classify(int status, string? code, StorageService service)
    {
        if (code is "EntityTooLarge" or "PropertyValueTooLarge" or "RequestBodyTooLarge" or "MessageTooLarge" or "RequestEntityTooLarge"
            || status == 413)
        {
            return StorageErrorKind.TooLarge;
        }

        return status switch
        {
            404 when code == "TableNotFound" => StorageErrorKind.TableNotFound,
            404 when code == "QueueNotFound" => StorageErrorKind.QueueNotFound,
            404 when code == "MessageNotFound" || code == "PopReceiptMismatch" => StorageErrorKind.MessageNotFound,
            404 => service == StorageService.Table ? StorageErrorKind.EntityNotFound : StorageErrorKind.QueueNotFound,
            400 when code == "PopReceiptMismatch" => StorageErrorKind.MessageNotFound,
            409 => StorageErrorKind.Conflict,
            412 => StorageErrorKind.PreconditionFailed,
            429 => StorageErrorKind.Throttled,
            503 when code == "ServerBusy" => StorageErrorKind.Throttled,
            401 or 403 => StorageErrorKind.AuthenticationFailed,
            400 => StorageErrorKind.BadRequest,
            >= 500 => StorageErrorKind.ServerError,
            _ => StorageErrorKind.Unknown,
        };
    }

    /// <summary>Reads the error code and message from the JSON (Table) or XML (Queue) body, falling back to x-ms-error-code.</summary>
    public static (string? Code, string? Message) ReadError(Response response)
    {
        response.Headers.TryGetValue("x-ms-error-code", out var headerCode);
        var body = response.Content?.ToString();
        return ParseErrorBody(body, headerCode);
    }

    public static (string? Code, string? Message) ParseErrorBody(string? body, string? headerCode)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (headerCode, null);
        }

        var trimmed = body.TrimStart();
        try
        {
            if (trimmed.StartsWith('{'))
            {
                using var doc = JsonDocument.Parse(trimmed);
                if (doc.RootElement.TryGetProperty("odata.error", out var error))
                {
                    var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                    string? message = null;
                    if (error.TryGetProperty("message", out var m))
                    {
                        message = m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v) ? v.GetString() : m.ToString();
                    }

                    return (code ?? headerCode, message);
                }
            }
            else if (trimmed.StartsWith('<'))
            {
                var root = XDocument.Parse(trimmed).Root;
                return (root?.Element("Code")?.Value ?? headerCode, root?.Element("Message")?.Value);
            }
        }
        catch (JsonException)
        {
        }
        catch (System.Xml.XmlException)
        {
        }

        return (headerCode, trimmed.Length > 500 ? trimmed[..500] : trimmed);
    }

    /// <summary>Sends a request and throws the typed error when the status is not one of the expected ones.</summary>
    public static async Task<Response> SendAsync(HttpPipeline pipeline, HttpMessage message, StorageService service, string operation, CancellationToken cancellationToken)
    {
        message.SetProperty(StorageRequestCounter.ServiceProperty, service);
        await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.IsError)
        {
            throw FromResponse(response, service, operation);
        }

        return response;
    }
}
