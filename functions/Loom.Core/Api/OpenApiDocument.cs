using System.Text.Json.Nodes;

namespace Loom.Core.Api;

/// <summary>Builds the OpenAPI 3.1 document of the API from its route table, so it cannot drift from the routes.</summary>
internal static class OpenApiDocument
{
    /// <summary>
    /// The document of <paramref name="routes"/>; <paramref name="streams"/> says whether this host streams events. A host
    /// that does not leaves the stream route out of its document, as it does every host-specific route it lacks (it still
    /// answers that route with 501 and says how to poll, for clients written against the other host).
    /// </summary>
    public static JsonObject Build(IReadOnlyList<Route> routes, bool streams)
    {
        var paths = new JsonObject();
        foreach (var route in routes)
        {
            if (route.Template == LoomApi.StreamRoute && !streams) continue;
            if (paths[route.Template] is not JsonObject item)
            {
                item = [];
                paths[route.Template] = item;
            }
            var parameters = new JsonArray();
            foreach (var segment in route.Template.Split('/').Where(s => s.StartsWith('{')))
            {
                parameters.Add(new JsonObject { ["name"] = segment[1..^1], ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
            }
            var operation = new JsonObject
            {
                ["summary"] = route.Summary,
                ["parameters"] = parameters,
                ["x-loom-role"] = route.Role.ToString().ToLowerInvariant(),
                ["responses"] = new JsonObject
                {
                    ["200"] = new JsonObject { ["description"] = "OK" },
                    ["4XX"] = new JsonObject
                    {
                        ["description"] = "Problem details (RFC 9457)",
                        ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/Problem" } } },
                    },
                },
            };
            if (route.Template == LoomApi.StreamRoute)
            {
                var answers = (JsonObject)operation["responses"]!;
                answers["200"] = new JsonObject { ["description"] = "Server-sent events", ["content"] = new JsonObject { ["text/event-stream"] = new JsonObject() } };
                parameters.Add(new JsonObject { ["name"] = "Last-Event-ID", ["in"] = "header", ["required"] = false, ["schema"] = new JsonObject { ["type"] = "string" } });
            }
            operation["security"] = route.Role == ApiRole.Anonymous ? new JsonArray() : new JsonArray(new JsonObject { ["functionKey"] = new JsonArray() });
            item[route.Method.ToLowerInvariant()] = operation;
        }
        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject { ["title"] = "Loom API", ["version"] = "1.0", ["description"] = "Workflows of HTTP tasks: register, schedule, run, observe." },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    ["functionKey"] = new JsonObject { ["type"] = "apiKey", ["in"] = "header", ["name"] = "x-functions-key" },
                },
                ["schemas"] = new JsonObject
                {
                    ["Problem"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["type"] = new JsonObject { ["type"] = "string" },
                            ["title"] = new JsonObject { ["type"] = "string" },
                            ["status"] = new JsonObject { ["type"] = "integer" },
                            ["detail"] = new JsonObject { ["type"] = "string" },
                            ["errors"] = new JsonObject { ["type"] = "array" },
                        },
                    },
                },
            },
        };
    }
}
