using System.ComponentModel;

namespace Loom.Core.Api.Contracts;

/// <summary>The instances of a forEach task, counted by status, as the run view shows them under their task.</summary>
public sealed record ForEachSummaryView(
    [property: Description("Number of instances (items in the resolved list).")] int Total,
    [property: Description("Most instances in flight at once, when the definition is known.")] int? MaxParallel,
    [property: Description("Instances by status name (pending, running, retrying, succeeded, failed, cancelled); only non-zero counts.")] IReadOnlyDictionary<string, int> Counts);
