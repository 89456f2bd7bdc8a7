using System.Diagnostics.CodeAnalysis;
using Loom.Core.Engine;

namespace Loom.Core.Execution;

/// <summary>A fully rendered, signed HTTP request for one task attempt, ready for <see cref="HttpTaskExecutor"/>.</summary>
/// <remarks>It may hold rendered secrets (headers, body): build it where it is sent and never persist it; persist <see cref="Summary"/>.</remarks>
/// <param name="Method">Upper-case HTTP method.</param>
/// <param name="Uri">Absolute http or https URL.</param>
/// <param name="Headers">Request headers (case-insensitive names), Loom's own included; Content-Type is in <paramref name="ContentType"/>.</param>
/// <param name="Body">Exact body bytes (the ones signed); empty when there is no body.</param>
/// <param name="ContentType">Content-Type of the body; null when there is no body.</param>
/// <param name="Summary">"METHOD scheme://host/path?key=***" with query values and user info masked, safe to store in the attempts history.</param>
public sealed record PreparedRequest(
    string Method,
    Uri Uri,
    IReadOnlyDictionary<string, string> Headers,
    ReadOnlyMemory<byte> Body,
    string? ContentType,
    string Summary)
{
    /// <summary>The secret values rendered into this request (url, headers, body); never stored, only used to redact.</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <summary>The text with every secret value of this request (as rendered or percent-encoded) replaced by "***".</summary>
    public string Redact(string text) => SecretRedaction.Redact(text, Secrets);

    /// <summary><see cref="Redact(string)"/> for an optional text.</summary>
    [return: NotNullIfNotNull(nameof(text))]
    public string? RedactOrNull(string? text) => text is null ? null : Redact(text);
}

/// <summary>The result of building a request: the request, or a failure of class <see cref="FailureClass.Invalid"/>.</summary>
public sealed record RequestBuildResult
{
    private RequestBuildResult(PreparedRequest? request, AttemptOutcome? failure)
    {
        Request = request;
        Failure = failure;
    }

    /// <summary>The request when it could be built.</summary>
    public PreparedRequest? Request { get; }

    /// <summary>Why it could not be built (kind Failed, class Invalid); null on success.</summary>
    public AttemptOutcome? Failure { get; }

    /// <summary>True when <see cref="Request"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Request))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool IsSuccess => Request is not null;

    /// <summary>A built request.</summary>
    public static RequestBuildResult Success(PreparedRequest request) => new(request, null);

    /// <summary>A request that cannot be built, with a message a user can act on.</summary>
    public static RequestBuildResult Invalid(string message) => new(null, AttemptOutcome.Fail(FailureClass.Invalid, message));
}
