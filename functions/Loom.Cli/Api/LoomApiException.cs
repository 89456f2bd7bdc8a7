using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Loom.Core.Api.Contracts;

namespace Loom.Cli.Api;

/// <summary>A failed call to the Loom API, with the problem details the server sent.</summary>
public sealed class LoomApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LoomApiException(ApiFailure failure, int? status, string message, string? title = null, IReadOnlyList<ApiValidationError>? errors = null, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        Status = status;
        Title = title;
        Errors = errors ?? [];
    }

    /// <summary>The kind of failure.</summary>
    public ApiFailure Failure { get; }

    /// <summary>The HTTP status, when there was an answer.</summary>
    public int? Status { get; }

    /// <summary>The problem's title, when the server sent one.</summary>
    public string? Title { get; }

    /// <summary>Line-and-column errors of an invalid workflow.</summary>
    public IReadOnlyList<ApiValidationError> Errors { get; }
}
