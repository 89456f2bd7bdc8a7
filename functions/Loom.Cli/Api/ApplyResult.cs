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

/// <summary>What a registration did: a new workflow, a new version of one, or nothing because the content is the same.</summary>
/// <param name="Id">Workflow id.</param>
/// <param name="Version">The current version after the call.</param>
/// <param name="Created">True when the call stored a new version.</param>
/// <param name="Warnings">What the server found suspicious but registered anyway.</param>
/// <param name="Body">The API's JSON answer.</param>
public sealed record ApplyResult(string Id, int Version, bool Created, IReadOnlyList<string> Warnings, JsonObject Body);
