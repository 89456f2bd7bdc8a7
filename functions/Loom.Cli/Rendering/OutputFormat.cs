using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace Loom.Cli.Rendering;

/// <summary>How a read command prints its answer.</summary>
internal enum OutputFormat
{
    /// <summary>Aligned columns for people.</summary>
    Table,

    /// <summary>The API's JSON, indented.</summary>
    Json,

    /// <summary>The same data as YAML.</summary>
    Yaml,
}
