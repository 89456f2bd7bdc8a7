using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Definitions;

namespace Loom.Core.Api.Contracts;

/// <summary>A backfill under way, as shown with its workflow.</summary>
public sealed record BackfillProgress(
    [property: Description("Occurrences not started yet.")] int Queued,
    [property: Description("Its runs still going.")] int Active,
    [property: Description("At most this many at once.")] int MaxConcurrent);
