using System.ComponentModel;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>GET /api/runs/{runId}/tasks/{taskId}/instances</c>: one page of a forEach task's instances, in item order.</summary>
public sealed record ForEachInstanceList(
    [property: Description("Run id.")] string RunId,
    [property: Description("Task id (the forEach task).")] string TaskId,
    [property: Description("Number of instances; 0 while the list is not resolved yet.")] int Total,
    [property: Description("Index of the first instance on this page.")] int Offset,
    [property: Description("The instances from `offset`, at most `limit` of them.")] IReadOnlyList<ForEachInstanceView> Items);
