using Loom.Storage;
using System.Text.Json.Nodes;
using Loom.Core.Api;
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
        Assert.All(Operations(served), o => Assert.NotNull(o["responses"]!["4XX"]));
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
            Audit = sp.GetRequiredService<LoomStorage>().Audit,
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
