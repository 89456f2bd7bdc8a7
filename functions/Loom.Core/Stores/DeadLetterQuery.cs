namespace Loom.Core.Stores;

/// <summary>Filter and paging of a dead-letter listing (newest first, open ones only).</summary>
/// <param name="WorkflowId">Only this workflow's, when given.</param>
/// <param name="Since">Only those that failed at or after this instant, when given.</param>
/// <param name="RunId">Only this run's, when given.</param>
/// <param name="Limit">Page size (1..1000).</param>
/// <param name="Continuation">Token from the previous page.</param>
public sealed record DeadLetterQuery(string? WorkflowId = null, DateTimeOffset? Since = null, string? RunId = null, int Limit = 50, string? Continuation = null);
