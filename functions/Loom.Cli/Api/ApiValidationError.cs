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

/// <summary>One problem in a rejected workflow, as the API reports it.</summary>
/// <param name="Line">1-based line, 0 when unknown.</param>
/// <param name="Column">1-based column, 0 when unknown.</param>
/// <param name="Message">What is wrong.</param>
public sealed record ApiValidationError(int Line, int Column, string Message);
