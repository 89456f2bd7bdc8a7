using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>Storage requests sent by this process, when counting is on.</summary>
public sealed record StorageFigures(
    [property: Description("True when counting.")] bool Counting,
    [property: Description("Table requests."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Tables = null,
    [property: Description("All requests."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Total = null);
