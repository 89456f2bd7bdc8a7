using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Loom.Core.Api.Contracts;

/// <summary>A run the engine cannot make progress on.</summary>
public sealed record StalledRunView(
    [property: Description("Run id.")] string RunId,
    [property: Description("The last error.")] string Error,
    [property: Description("Since when.")] DateTimeOffset Since,
    [property: Description("Failed attempts to commit.")] int Failures);
