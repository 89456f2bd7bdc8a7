namespace Loom.Core.Stores;

/// <summary>Filter and paging of a run listing (newest first).</summary>
/// <param name="WorkflowId">Only this workflow's runs, when given.</param>
/// <param name="Status">Only runs in this status, when given.</param>
/// <param name="Since">Only runs created at or after this instant, when given.</param>
/// <param name="Limit">Page size (1..1000).</param>
/// <param name="Continuation">Token from the previous page.</param>
public sealed record RunQuery(string? WorkflowId = null, string? Status = null, DateTimeOffset? Since = null, int Limit = 50, string? Continuation = null);
