using System.Reflection;
using System.Runtime.Loader;
using Loom.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NJsonSchema.CodeGeneration.CSharp;
using NSwag.CodeGeneration.CSharp;

namespace Loom.Client.Tests;

/// <summary>The shared Azurite and sample backend of this project's tests.</summary>
[CollectionDefinition("client")]
public sealed class ClientCollection : ICollectionFixture<AzuriteFixture>, ICollectionFixture<BackendFixture>;

/// <summary>
/// The OpenAPI document is usable by a real generator: NSwag generates a C# client from the document a running server serves,
/// Roslyn compiles it with Driver/GeneratedClientDriver.cs (written against the generated types only), and the driver
/// registers a workflow, triggers a run and polls it to success against the sample backend on 127.0.0.1.
/// </summary>
[Collection("client")]
public sealed class GeneratedClientTests(AzuriteFixture azurite, BackendFixture backend)
{
    [Fact]
    public async Task GeneratedCSharpClient_DrivesARunToSuccess()
    {
        await using var server = await LoomTestServer.StartAsync(azurite);
        var document = await NSwag.OpenApiDocument.FromJsonAsync(await server.Client.GetStringAsync("/api/openapi.json"));
        var code = new CSharpClientGenerator(document, new CSharpClientGeneratorSettings
        {
            ClassName = "LoomApiClient",
            GenerateClientInterfaces = false,
            UseBaseUrl = false,
            CSharpGeneratorSettings = { Namespace = "Loom.Generated", JsonLibrary = CSharpJsonLibrary.SystemTextJson },
        }).GenerateFile();
        var driver = typeof(GeneratedClientTests).Assembly.GetManifestResourceStream("GeneratedClientDriver.cs")!;
        using var reader = new StreamReader(driver);
        var assembly = Compile(code, await reader.ReadToEndAsync());

        using var http = server.NewClient(LoomTestServer.AdminKey);
        var run = assembly.GetType("Loom.Generated.GeneratedClientDriver")!.GetMethod("DriveRunAsync")!;
        var lines = await (Task<IReadOnlyList<string>>)run.Invoke(null, [http, backend.BaseUrl, TimeSpan.FromSeconds(60)])!;

        Assert.Equal(
        [
            "registered generated-client v1 (created)",
            "run succeeded with region=eu",
            "fetch_data: succeeded after 1 attempt(s)",
            "process: succeeded after 1 attempt(s)",
            "attempts of process: succeeded",
        ], lines);
    }

    /// <summary>Compiles the generated client and the driver in memory, failing with every compiler error when they do not fit.</summary>
    private static Assembly Compile(params string[] sources)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "Loom.Generated.Client",
            sources.Select(s => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest))),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.True(result.Success, "The generated client or the driver does not compile:\n" + string.Join("\n", errors.Take(30)));
        image.Position = 0;
        return new AssemblyLoadContext("generated-client", isCollectible: true).LoadFromStream(image);
    }
}
