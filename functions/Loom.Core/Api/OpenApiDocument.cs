using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Loom.Core.Api.Contracts;

namespace Loom.Core.Api;

/// <summary>
/// Builds the OpenAPI 3.1 document of the API: paths from the route table (so it cannot drift from the routes), schemas from the
/// contract records through <see cref="LoomJsonContext"/> (so it cannot drift from the JSON on the wire), and what differs by
/// host (security scheme, streaming, diagnostics) from the host's services.
/// </summary>
internal static class OpenApiDocument
{
    private const string ProblemMedia = "application/problem+json";

    /// <summary>The document this host serves.</summary>
    /// <param name="routes">The API's routes.</param>
    /// <param name="services">The host's services: a commit signal means the self-hosted server (streams, API keys), none the Function App.</param>
    public static JsonObject Build(IReadOnlyList<Route> routes, ApiServices services)
    {
        var server = services.CommitSignal is not null;
        var (header, query) = server ? ("apiKey", "apiKeyQuery") : ("functionKey", "functionKeyQuery");
        var schemas = new Schemas();
        var paths = new JsonObject();
        var problems = new JsonObject();
        foreach (var route in routes)
        {
            // A route this host does not offer is left out rather than documented as an error: a generated client should not have it.
            if (route.Template == LoomApi.StreamRoute && !server) continue;
            if (route.Template == "/api/diagnostics" && services.Diagnostics is null) continue;
            var contract = ApiOperations.For(route);
            if (paths[route.Template] is not JsonObject item)
            {
                item = [];
                paths[route.Template] = item;
            }
            var operation = new JsonObject
            {
                ["operationId"] = contract.OperationId,
                ["summary"] = contract.Summary ?? route.Summary,
                ["description"] = contract.Notes is null ? route.Summary : $"{route.Summary}\n\n{contract.Notes}",
                ["tags"] = new JsonArray(contract.Tag),
                ["x-loom-role"] = route.Role.ToString().ToLowerInvariant(),
            };
            var parameters = new JsonArray();
            foreach (var segment in route.Template.Split('/').Where(s => s.StartsWith('{')))
            {
                var name = segment[1..^1];
                parameters.Add(Parameter(name, "path", true, new JsonObject { ["type"] = "string" }, $"The {name}."));
            }
            foreach (var q in contract.Query) parameters.Add(Parameter(q.Name, q.In, false, q.Schema.DeepClone(), q.Description));
            if (parameters.Count > 0) operation["parameters"] = parameters;
            if (contract.Request is { } request) operation["requestBody"] = RequestBody(request, schemas);
            var responses = new JsonObject();
            foreach (var answer in contract.Responses) responses[answer.Status] = Response(answer, schemas);
            // Each problem by its status rather than as a 4XX range, which generators (NSwag) cannot branch on.
            foreach (var problem in ApiOperations.Problems.Where(p => Answers(p.Status, route, contract)))
            {
                responses[problem.Status] = new JsonObject { ["$ref"] = $"#/components/responses/{problem.Name}" };
                problems[problem.Name] = new JsonObject
                {
                    ["description"] = $"Problem details (RFC 9457). {problem.Description}",
                    ["content"] = new JsonObject { [ProblemMedia] = Media(schemas.Ref(LoomJsonContext.Default.ApiProblem), problem.Example) },
                };
            }
            operation["responses"] = responses;
            operation["security"] = route.Role == ApiRole.Anonymous
                ? new JsonArray()
                : new JsonArray(new JsonObject { [header] = new JsonArray() }, new JsonObject { [query] = new JsonArray() });
            item[route.Method.ToLowerInvariant()] = operation;
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Loom API",
                ["version"] = "1.0",
                ["description"] = "Workflows of HTTP tasks: register, schedule, run, observe. " + (server
                    ? "This is the self-hosted server: runs' events stream as server-sent events."
                    : "This is the Function App: no event stream (poll the events) and no diagnostics."),
                // The repository's LICENSE file.
                ["license"] = new JsonObject { ["name"] = "MIT", ["identifier"] = "MIT" },
            },
            ["servers"] = new JsonArray(new JsonObject
            {
                ["url"] = services.Options.PublicBaseUrl.TrimEnd('/'),
                ["description"] = server ? "This Loom server" : "This Function App",
            }),
            ["tags"] = new JsonArray(
                new JsonObject { ["name"] = "workflows", ["description"] = "Register, inspect, pause and delete workflows." },
                new JsonObject { ["name"] = "runs", ["description"] = "Start, watch, cancel and retry runs." },
                new JsonObject { ["name"] = "deadletters", ["description"] = "Tasks that failed for good and runs that failed without one: list, inspect, acknowledge." },
                new JsonObject { ["name"] = "host", ["description"] = "Health, figures and this document." },
                new JsonObject { ["name"] = "circuits", ["description"] = "Circuit breakers per target origin: calls held while a backend is down." }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = server
                    ? SecuritySchemes(header, query, "An API key configured in Loom:ApiKeys with its role (reader, operator or admin).")
                    : SecuritySchemes(header, query, "A function key of the Function App; Loom__ApiKeys may give a key a narrower or wider role."),
                ["responses"] = new JsonObject(problems.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))),
                ["schemas"] = schemas.Components,
            },
        };
    }

    /// <summary>Whether <paramref name="route"/> can answer with the problem of <paramref name="status"/>.</summary>
    private static bool Answers(string status, Route route, ApiOperations.Operation contract) => status switch
    {
        "400" => route.Template.Contains('{', StringComparison.Ordinal) || contract.Query.Count > 0 || contract.Request is not null,
        "401" or "403" => route.Role != ApiRole.Anonymous,
        "404" => route.Template.Contains('{', StringComparison.Ordinal),
        "409" => contract.Conflict,
        _ => true,
    };

    private static JsonObject SecuritySchemes(string header, string query, string description) => new()
    {
        [header] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "x-functions-key", ["description"] = description },
        [query] = new JsonObject { ["type"] = "apiKey", ["in"] = "query", ["name"] = "code", ["description"] = description + " (as the code query value)" },
    };

    private static JsonObject Parameter(string name, string location, bool required, JsonNode schema, string description) => new()
    {
        ["name"] = name,
        ["in"] = location,
        ["required"] = required,
        ["description"] = description,
        ["schema"] = schema,
    };

    private static JsonObject RequestBody(ApiOperations.Body request, Schemas schemas)
    {
        var content = new JsonObject();
        if (request.Type is { } type)
        {
            content["application/json"] = Media(schemas.Ref(type), request.Example);
        }
        else
        {
            // A workflow: its YAML as written, or the same model as JSON. Plain text first: generators (NSwag) send the first
            // media type, and send a string body as it is only when it is text/plain (YAML they would quote as a JSON string).
            var yaml = new JsonObject { ["type"] = "string", ["description"] = "The workflow's YAML, line breaks kept." };
            content["text/plain"] = Media(yaml, ApiOperations.WorkflowYamlExample);
            content["application/yaml"] = Media(yaml.DeepClone(), ApiOperations.WorkflowYamlExample);
            content["application/json"] = Media(new JsonObject { ["type"] = "object", ["description"] = "The same workflow model as JSON." }, null);
        }
        var body = new JsonObject { ["required"] = request.Required, ["content"] = content };
        if (request.Type is null) body["description"] = "The workflow: its YAML as written (text/plain or application/yaml), or the same model as JSON.";
        return body;
    }

    private static JsonObject Response(ApiOperations.Answer answer, Schemas schemas)
    {
        var response = new JsonObject { ["description"] = answer.Description };
        if (answer.Location)
        {
            response["headers"] = new JsonObject
            {
                ["Location"] = new JsonObject { ["description"] = "The URL of what was created.", ["schema"] = new JsonObject { ["type"] = "string" } },
            };
        }
        if (answer.Type is { } type)
        {
            response["content"] = new JsonObject { ["application/json"] = Media(schemas.Ref(type), answer.Example) };
        }
        else if (answer.Media is { } media)
        {
            response["content"] = new JsonObject { [media] = new JsonObject { ["schema"] = new JsonObject { ["type"] = media == "application/json" ? "object" : "string" } } };
        }
        return response;
    }

    private static JsonObject Media(JsonNode schema, JsonNode? example)
    {
        var media = new JsonObject { ["schema"] = schema };
        if (example is not null) media["example"] = example.DeepClone();
        return media;
    }

    /// <summary>The components/schemas section: one entry per contract record, nested records as references.</summary>
    private sealed class Schemas
    {
        private readonly HashSet<Type> _pending = [];

        public JsonObject Components { get; } = [];

        /// <summary>A reference to the schema of <paramref name="type"/>, exporting it (and what it uses) on first use.</summary>
        public JsonObject Ref(JsonTypeInfo type)
        {
            var name = type.Type.Name;
            if (!Components.ContainsKey(name) && _pending.Add(type.Type))
            {
                var schema = JsonSchemaExporter.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions
                {
                    TreatNullObliviousAsNonNullable = true,
                    TransformSchemaNode = (context, node) => Transform(context, node, type.Type),
                });
                Components[name] = schema;
                _pending.Remove(type.Type);
            }
            return new JsonObject { ["$ref"] = $"#/components/schemas/{name}" };
        }

        private JsonNode Transform(JsonSchemaExporterContext context, JsonNode node, Type root)
        {
            var type = context.TypeInfo.Type;
            if (type == typeof(JsonNode))
            {
                return new JsonObject { ["description"] = "Any JSON value." };
            }
            if (type == typeof(JsonObject))
            {
                return new JsonObject { ["type"] = "object", ["additionalProperties"] = true };
            }
            // The exporter lists a string enum's values without saying they are strings; generators then type them as unknown.
            if (node is JsonObject { } withEnum && withEnum["enum"] is JsonArray values && withEnum["type"] is null
                && values.All(v => v?.GetValueKind() == JsonValueKind.String))
            {
                withEnum["type"] = "string";
            }
            if (type == root)
            {
                Fields(context.TypeInfo, node);
                return node;
            }
            if (!IsContract(type)) return node;
            // A nested contract record becomes a reference, so generators produce one named type for it.
            var reference = Ref(context.TypeInfo);
            var nullable = node is JsonObject o && o["type"] is JsonArray types && types.Any(t => t?.GetValue<string>() == "null");
            return nullable ? new JsonObject { ["anyOf"] = new JsonArray(reference, new JsonObject { ["type"] = "null" }) } : reference;
        }

        /// <summary>
        /// Finishes the fields of a record's schema: each says what it holds (its [Description]), and a field written only when
        /// it has a value is neither required nor null (the exporter takes every constructor parameter as required, and gives an
        /// optional one a <c>default: null</c> its type does not allow).
        /// </summary>
        private static void Fields(JsonTypeInfo type, JsonNode node)
        {
            if (node is not JsonObject { } schema || schema["properties"] is not JsonObject properties) return;
            var required = schema["required"] as JsonArray;
            foreach (var property in type.Properties)
            {
                if (!properties.ContainsKey(property.Name)) continue;
                // A field of any JSON value comes as the schema true, or as an object holding only the default.
                if (properties[property.Name] is not JsonObject field || field.Count == 0 || (field.Count == 1 && field.ContainsKey("default")))
                {
                    field = new JsonObject();
                    properties[property.Name] = field;
                }
                if (field.ContainsKey("default") && field["default"] is null) field.Remove("default");
                var attributes = property.AttributeProvider?.GetCustomAttributes(true) ?? [];
                if (attributes.OfType<DescriptionAttribute>().FirstOrDefault() is { } description) field["description"] = description.Description;
                if (attributes.OfType<JsonIgnoreAttribute>().FirstOrDefault()?.Condition != JsonIgnoreCondition.WhenWritingNull) continue;
                var listed = required?.FirstOrDefault(n => n?.GetValue<string>() == property.Name);
                if (listed is not null) required!.Remove(listed);
                if (field["type"] is JsonArray types)
                {
                    var kinds = types.Select(t => t!.GetValue<string>()).Where(t => t != "null").ToList();
                    field["type"] = kinds.Count == 1 ? kinds[0] : new JsonArray([.. kinds.Select(k => (JsonNode)k)]);
                }
            }
        }

        private static bool IsContract(Type type) => type.Namespace == typeof(ApiProblem).Namespace && type.IsClass;
    }
}
