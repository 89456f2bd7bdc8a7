using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Loom.Core.Api.Contracts;

namespace Loom.Cli.Api;

/// <summary>A run the server accepted (trigger or retry).</summary>
/// <param name="RunId">The new run's id.</param>
/// <param name="Body">The API's JSON answer.</param>
public sealed record StartedRun(string RunId, JsonObject Body);
