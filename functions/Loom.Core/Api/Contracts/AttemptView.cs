using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>One HTTP attempt of a task.</summary>
public sealed record AttemptView(
    [property: Description("Attempt number from 1.")] int Attempt,
    [property: Description("When it started.")] DateTimeOffset StartedAt,
    [property: Description("How long it took.")] double DurationMs,
    [property: Description("succeeded, failed, accepted, ...")] string Outcome,
    [property: Description("HTTP status, if there was an answer.")] int? StatusCode,
    [property: Description("Summary of the request sent.")] string Request,
    [property: Description("What went wrong.")] string? Error,
    [property: Description("The response body kept (text, size-capped).")] string? Output,
    [property: Description("True when the output was cut.")] bool OutputTruncated,
    [property: Description("When the next attempt started or is due; only on an attempt that was followed by another."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? RetryAt = null,
    [property: Description("From this attempt's end to `retryAt`."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? RetryDelayMs = null);
