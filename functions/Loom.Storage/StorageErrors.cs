using Azure;
using Azure.Data.Tables;

namespace Loom.Storage;

/// <summary>Turns the SDK's failed responses into typed <see cref="StorageException"/>s, the kinds the stores and the hosts' outage handling decide on.</summary>
internal static class StorageErrors
{
    /// <summary>The typed error of a failed response; the SDK's exception stays inside as the cause.</summary>
    public static StorageException FromResponse(RequestFailedException e, string operation)
    {
        // The SDK's message carries the service's message on its first line, then status, content and headers.
        var newline = e.Message.IndexOf('\n', StringComparison.Ordinal);
        var detail = (newline < 0 ? e.Message : e.Message[..newline]).Trim();
        var index = e is TableTransactionFailedException t ? t.FailedTransactionActionIndex : null;
        return new StorageException(Classify(e.Status, e.ErrorCode), e.Status, e.ErrorCode, $"{operation} failed: {e.Status} {e.ErrorCode}: {detail}", e)
        {
            FailedOperationIndex = index,
        };
    }

    public static StorageErrorKind Classify(int status, string? code)
    {
        if (code is "EntityTooLarge" or "PropertyValueTooLarge" or "RequestBodyTooLarge" or "RequestEntityTooLarge" || status == 413)
        {
            return StorageErrorKind.TooLarge;
        }

        return status switch
        {
            404 when code == "TableNotFound" => StorageErrorKind.TableNotFound,
            404 => StorageErrorKind.EntityNotFound,
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
}
