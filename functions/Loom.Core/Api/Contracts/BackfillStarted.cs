using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>Answer of <c>POST /api/workflows/{id}/backfill</c>.</summary>
public sealed record BackfillStarted(
    [property: Description("Runs started now.")] IReadOnlyList<string> RunIds,
    [property: Description("Runs queued for later (only with maxConcurrent)."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Queued,
    [property: Description("Occurrences that had run already.")] IReadOnlyList<string> AlreadyExisting,
    [property: Description("Occurrences in the range.")] int Occurrences,
    [property: Description("The bound given, if any."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxConcurrent);
