namespace Loom.Storage;

/// <summary>What kind of failure a storage call met, independent of the service's wording.</summary>
public enum StorageErrorKind
{
    /// <summary>A failure that fits no other kind.</summary>
    Unknown,

    /// <summary>The table does not exist.</summary>
    TableNotFound,

    /// <summary>The entity does not exist.</summary>
    EntityNotFound,

    /// <summary>The item already exists.</summary>
    Conflict,

    /// <summary>The ETag given no longer matches (someone else wrote first).</summary>
    PreconditionFailed,

    /// <summary>The service asked the caller to slow down (429 or 503 ServerBusy) even after retries.</summary>
    Throttled,

    /// <summary>An entity, property or transaction exceeds a service limit.</summary>
    TooLarge,

    /// <summary>The service rejected the request as malformed.</summary>
    BadRequest,

    /// <summary>The credentials were refused.</summary>
    AuthenticationFailed,

    /// <summary>The service failed (5xx) even after retries.</summary>
    ServerError,
}

/// <summary>A failed storage call with a typed <see cref="Kind"/>, the HTTP status and the service's error code and message.</summary>
public sealed class StorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StorageException(StorageErrorKind kind, int status, string? errorCode, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Status = status;
        ErrorCode = errorCode;
    }

    /// <summary>Creates an exception of kind <see cref="StorageErrorKind.Unknown"/>.</summary>
    public StorageException()
        : this(StorageErrorKind.Unknown, 0, null, "Storage call failed.")
    {
    }

    /// <summary>Creates an exception of kind <see cref="StorageErrorKind.Unknown"/> with a message.</summary>
    public StorageException(string message)
        : this(StorageErrorKind.Unknown, 0, null, message)
    {
    }

    /// <summary>Creates an exception of kind <see cref="StorageErrorKind.Unknown"/> with a message and cause.</summary>
    public StorageException(string message, Exception innerException)
        : this(StorageErrorKind.Unknown, 0, null, message, innerException)
    {
    }

    /// <summary>The typed kind of failure.</summary>
    public StorageErrorKind Kind { get; }

    /// <summary>HTTP status code, 0 when the failure was detected before sending.</summary>
    public int Status { get; }

    /// <summary>The service's error code (e.g. EntityNotFound, UpdateConditionNotSatisfied), when it sent one.</summary>
    public string? ErrorCode { get; }

    /// <summary>For a failed entity group transaction, the index of the operation that failed, when the service said.</summary>
    public int? FailedOperationIndex { get; init; }
}
