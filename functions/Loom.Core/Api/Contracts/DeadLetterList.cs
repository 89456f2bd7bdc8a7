using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/deadletters</c>: a page of open dead letters, newest first.</summary>
public sealed record DeadLetterList(
    [property: Description("The page.")] IReadOnlyList<DeadLetterView> Items,
    [property: Description("Pass as `continuation` for the next page; null on the last.")] string? Continuation);
