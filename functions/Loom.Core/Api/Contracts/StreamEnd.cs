using System.ComponentModel;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Loom.Core.Engine;

namespace Loom.Core.Api.Contracts;

/// <summary>The last frame of an event stream: the run is final.</summary>
public sealed record StreamEnd(
    [property: Description("Run id.")] string RunId);
