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

/// <summary>Why a call failed, mapped from the transport or the HTTP status.</summary>
public enum ApiFailure
{
    /// <summary>No HTTP answer: connection refused, DNS failure, TLS failure or timeout.</summary>
    Unreachable,

    /// <summary>401: no key or a key the server does not know.</summary>
    Unauthorized,

    /// <summary>403: the key's role is too low for the call.</summary>
    Forbidden,

    /// <summary>404: no such workflow, run or task.</summary>
    NotFound,

    /// <summary>Another 4xx: the server refused the request (bad input, a finished run, ...).</summary>
    Rejected,

    /// <summary>5xx or an answer that is not Loom's JSON.</summary>
    ServerError,
}
