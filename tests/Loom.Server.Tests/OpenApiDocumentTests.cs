using Loom.Storage;
using System.Text.Json.Nodes;
using Loom.Core.Api;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Stores;
using Loom.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Loom.Server.Tests;

/// <summary>The OpenAPI document each host serves: written to artifacts/openapi for the lint and client-generation steps of scripts/test.sh.</summary>
[Collection("server")]
public sealed class OpenApiDocumentTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ServedDocuments_BothHosts_WrittenForLintAndGeneration()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        var served = JsonNode.Parse(await server.Client.GetStringAsync("/api/openapi.json"))!.AsObject();
        var functions = await FunctionAppDocumentAsync(server);

        var folder = Path.Combine(RepositoryRoot(), "artifacts", "openapi");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "server.json"), served.ToJsonString());
        await File.WriteAllTextAsync(Path.Combine(folder, "functions.json"), functions.ToJsonString());

        var ids = Operations(served).Select(o => o["operationId"]?.GetValue<string>()).ToList();
        Assert.DoesNotContain(null, ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        // Problems by status (a 4XX range is beyond NSwag), each operation with at least one.
        Assert.All(Operations(served), o => Assert.Contains(o["responses"]!.AsObject(), r => r.Key.StartsWith('4')));
        Assert.Equal("#/components/responses/Unauthorized", served["paths"]!["/api/runs/{runId}"]!["get"]!["responses"]!["401"]!["$ref"]!.GetValue<string>());
        // Each host documents what it offers and the key it takes.
        Assert.NotNull(served["paths"]![LoomApi.StreamRoute]);
        Assert.NotNull(served["paths"]!["/api/diagnostics"]);
        Assert.Null(functions["paths"]![LoomApi.StreamRoute]);
        Assert.Null(functions["paths"]!["/api/diagnostics"]);
        Assert.NotNull(served["components"]!["securitySchemes"]!["apiKey"]);
        Assert.NotNull(functions["components"]!["securitySchemes"]!["functionKey"]);
        Assert.Equal("#/components/schemas/RunDetail", served["paths"]!["/api/runs/{runId}"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunDetailSchema_RequiresExactlyWhatTheServerSends()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        await server.RegisterAsync("""
            id: schema-check
            tasks:
              - id: only
                url: http://127.0.0.1:9/never
            """);
        var runId = await server.TriggerAsync("schema-check");
        var run = await server.GetRunAsync(runId);
        var document = JsonNode.Parse(await server.Client.GetStringAsync("/api/openapi.json"))!;
        var schema = document["components"]!["schemas"]!["RunDetail"]!;

        var required = schema["required"]!.AsArray().Select(n => n!.GetValue<string>()).Order().ToList();
        var declared = schema["properties"]!.AsObject().Select(p => p.Key).Order().ToList();
        Assert.Equal(declared, run.Select(p => p.Key).Order().ToList());
        Assert.Equal(declared, required);
    }

    [Fact]
    public async Task Document_EveryOperationAndFieldDescribed_JsonBodiesTypedWithTheirRequiredFields()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        var document = JsonNode.Parse(await server.Client.GetStringAsync("/api/openapi.json"))!.AsObject();

        Assert.All(Operations(document), o =>
        {
            Assert.False(string.IsNullOrWhiteSpace(o["summary"]?.GetValue<string>()), o["operationId"]!.GetValue<string>());
            Assert.False(string.IsNullOrWhiteSpace(o["description"]?.GetValue<string>()), o["operationId"]!.GetValue<string>());
        });
        var schemas = document["components"]!["schemas"]!.AsObject();
        var undescribed = schemas
            .SelectMany(s => (s.Value!["properties"]?.AsObject() ?? []).Where(p => p.Value?["description"] is null).Select(p => $"{s.Key}.{p.Key}"))
            .ToList();
        Assert.Empty(undescribed);
        Assert.Equal("MIT", document["info"]!["license"]!["identifier"]!.GetValue<string>());

        string[] Required(string schema) => [.. (schemas[schema]!["required"]?.AsArray() ?? []).Select(n => n!.GetValue<string>()).Order()];
        string BodyRef(string path, string method) =>
            document["paths"]![path]![method]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
        Assert.Equal("#/components/schemas/TriggerRequest", BodyRef("/api/workflows/{id}/runs", "post"));
        Assert.Equal("#/components/schemas/BackfillRequest", BodyRef("/api/workflows/{id}/backfill", "post"));
        Assert.Equal("#/components/schemas/CancelRequest", BodyRef("/api/runs/{runId}/cancel", "post"));
        Assert.Equal("#/components/schemas/CallbackRequest", BodyRef("/api/callbacks/{token}", "post"));
        Assert.Equal(["from", "to"], Required("BackfillRequest"));
        Assert.Empty(Required("TriggerRequest"));
        Assert.Empty(Required("CancelRequest"));
        Assert.Empty(Required("CallbackRequest"));
        // A field that is absent when empty is neither null nor defaulted to null in the schema.
        Assert.Equal("integer", schemas["BackfillRequest"]!["properties"]!["maxConcurrent"]!["type"]!.GetValue<string>());
        Assert.Null(schemas["BackfillRequest"]!["properties"]!["maxConcurrent"]!["default"]);
    }

    [Fact]
    public async Task JsonBodiesThatDoNotFit_400NamingTheField()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        await server.RegisterAsync("""
            id: bodies
            schedule: "0 * * * *"
            tasks:
              - id: hold
                type: wait
                duration: 10m
            """);

        async Task<(int Status, string Title, string Detail)> PostAsync(string path, string body)
        {
            using var response = await server.Client.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            return ((int)response.StatusCode, problem["title"]!.GetValue<string>(), problem["detail"]!.GetValue<string>());
        }

        var trigger = await PostAsync("/api/workflows/bodies/runs", """{"params":"eu"}""");
        Assert.Equal((400, "Bad params"), (trigger.Status, trigger.Title));
        Assert.StartsWith("'params' must be a JSON object, not a string", trigger.Detail, StringComparison.Ordinal);
        var backfill = await PostAsync("/api/workflows/bodies/backfill", """{"to":"2026-01-01T00:00:00Z"}""");
        Assert.Equal((400, "Missing from"), (backfill.Status, backfill.Title));
        var range = await PostAsync("/api/workflows/bodies/backfill", """{"from":"2026-01-01T00:00:00Z","to":"2026-01-01T03:00:00Z","maxConcurrent":0}""");
        Assert.Equal((400, "Bad maxConcurrent", "maxConcurrent must be a whole number from 1 to 1000."), range);
        // A run still waiting, so the cancel gets as far as reading its body.
        var runId = await server.TriggerAsync("bodies");
        var cancel = await PostAsync($"/api/runs/{Uri.EscapeDataString(runId)}/cancel", """{"reason":["x"]}""");
        Assert.Equal((400, "Bad reason"), (cancel.Status, cancel.Title));
    }

    private static IEnumerable<JsonObject> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => o.Value!.AsObject()));

    /// <summary>The document as the Function App builds it: the same API without a commit signal or diagnostics.</summary>
    internal static async Task<JsonObject> FunctionAppDocumentAsync(LoomTestServer server)
    {
        var sp = server.Services;
        var api = new LoomApi(new ApiServices
        {
            Workflows = sp.GetRequiredService<WorkflowCatalog>(),
            Runs = sp.GetRequiredService<IRunStore>(),
            Attempts = sp.GetRequiredService<IAttemptStore>(),
            Events = sp.GetRequiredService<IEventStore>(),
            Driver = sp.GetRequiredService<IRunDriver>(),
            SchedulerStates = sp.GetRequiredService<ISchedulerStateStore>(),
            DeadLetters = sp.GetRequiredService<IDeadLetterStore>(),
            Audit = sp.GetRequiredService<LoomStorageAccount>().Audit,
            Authorizer = sp.GetRequiredService<IApiAuthorizer>(),
            CallbackTokens = sp.GetRequiredService<CallbackTokens>(),
        });
        var key = new Dictionary<string, string> { ["x-functions-key"] = LoomTestServer.ReaderKey };
        var response = await api.HandleAsync(ApiRequest.Create("GET", "/api/openapi.json", headers: key));
        return response.Body!.AsObject();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LoomFunctions.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("LoomFunctions.sln not found above " + AppContext.BaseDirectory);
    }
}
