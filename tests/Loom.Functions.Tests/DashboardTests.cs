using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Loom.Core.Dashboard;
using Loom.Functions.Api;
using Loom.Functions.Tests.Hosting;
using Loom.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;

namespace Loom.Functions.Tests;

/// <summary>
/// The dashboard on the Function App: its Dashboard function on the real-runtime harness (in-memory Durable backend), and
/// the dashboard's browser test (dashboard/e2e) run against it. Needs the build (dashboard/build.sh) before the build of
/// Loom.Functions, which copies it into the package's dashboard/ folder.
/// </summary>
[Trait("Host", "durable-in-memory")]
public sealed partial class DashboardTests(InMemoryDurableHost fixture) : IClassFixture<InMemoryDurableHost>
{
    private FunctionAppHost App => (FunctionAppHost)fixture.Host;

    private static string Root => AzuriteFixture.FindRepositoryRoot();

    [Fact]
    public async Task Root_IsTheAppUnderTheSharedHeaders_AndHashedAssetsAreImmutable()
    {
        using var anonymous = App.NewClient(null);
        using var index = await anonymous.GetAsync("/");
        var html = await index.Content.ReadAsStringAsync();
        Assert.True(index.StatusCode == HttpStatusCode.OK, $"/ answered {(int)index.StatusCode}: {html}");
        Assert.Contains("id=\"app\"", html, StringComparison.Ordinal);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Equal(DashboardRules.RevalidateCaching, index.Headers.CacheControl?.ToString());
        Assert.Equal(DashboardRules.ContentSecurityPolicy, Header(index, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(index, "X-Content-Type-Options"));

        var asset = AssetPattern().Match(html).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(asset), "index.html names no assets/*.js");
        using var script = await anonymous.GetAsync("/" + asset);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal(DashboardRules.ImmutableCaching, script.Headers.CacheControl?.ToString());
        Assert.Equal(DashboardRules.ContentSecurityPolicy, Header(script, "Content-Security-Policy"));

        // index.html is revalidated: its validator comes back as a 304.
        using var again = new HttpRequestMessage(HttpMethod.Get, "/");
        again.Headers.IfNoneMatch.Add(index.Headers.ETag!);
        using var revalidated = await anonymous.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Fact]
    public async Task OtherPaths_GetTheApp_ButApiPathsAndFilesOutsideTheBuildDoNot()
    {
        using var anonymous = App.NewClient(null);
        using var deepLink = await anonymous.GetAsync("/runs/some-run");
        Assert.Contains("id=\"app\"", await deepLink.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(DashboardRules.RevalidateCaching, deepLink.Headers.CacheControl?.ToString());

        // Only the server has /api/diagnostics: here it is the API's 404, not the app with a 200.
        using var diagnostics = await App.Client.GetAsync("/api/diagnostics");
        Assert.Equal(HttpStatusCode.NotFound, diagnostics.StatusCode);
        Assert.Equal("application/problem+json", diagnostics.Content.Headers.ContentType?.MediaType);

        // The app's own files beside the build are never served.
        foreach (var path in new[] { "/..%2FLoom.Functions.dll", "/%2e%2e/host.json", "/dashboard/../host.json" })
        {
            using var outside = await anonymous.GetAsync(path);
            var body = await outside.Content.ReadAsStringAsync();
            Assert.DoesNotContain("extensions", body, StringComparison.Ordinal);
            Assert.NotEqual("application/octet-stream", outside.Content.Headers.ContentType?.MediaType);
        }

        // The API still wants its key: the catch-all takes no keyed route.
        using var unkeyed = await anonymous.GetAsync("/api/workflows");
        Assert.Equal(HttpStatusCode.Unauthorized, unkeyed.StatusCode);
    }

    [Fact]
    public async Task MissingBuild_IsA404ThatSaysHowToBuild()
    {
        var empty = Directory.CreateTempSubdirectory("loom-nodash-");
        try
        {
            var site = new DashboardSite(empty.FullName);
            Assert.False(site.IsBuilt);
            foreach (var path in new[] { "/", "/assets/index.js", "/runs/x" })
            {
                var context = new DefaultHttpContext { Response = { Body = new MemoryStream() } };
                await site.Serve(path).ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
                var text = Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
                Assert.Equal(404, context.Response.StatusCode);
                Assert.StartsWith("text/plain", context.Response.ContentType, StringComparison.Ordinal);
                Assert.Contains("dashboard/build.sh", text, StringComparison.Ordinal);
                Assert.Contains(DashboardSite.FolderSetting, text, StringComparison.Ordinal);
            }
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    /// <summary>
    /// dashboard/e2e against the Function App, with the samples registered as scripts/run.sh registers them. Its
    /// output goes to artifacts/test-results/dashboard-e2e-functions.log, which scripts/test.sh counts in its closing line.
    /// </summary>
    [Fact]
    public async Task BrowserTest_PassesOnTheFunctionApp()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "samples", "workflows"), "*.yaml"))
        {
            var yaml = (await File.ReadAllTextAsync(file)).Replace("http://localhost:5080", fixture.Backend.BaseUrl, StringComparison.Ordinal);
            using var content = new StringContent(yaml, new MediaTypeHeaderValue("application/yaml"));
            using var response = await App.Client.PostAsync("/api/workflows", content);
            Assert.True(response.IsSuccessStatusCode, $"{Path.GetFileName(file)}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var log = Environment.GetEnvironmentVariable("LOOM_E2E_FUNCTIONS_LOG") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Root, "artifacts", "test-results", "dashboard-e2e-functions.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var start = new ProcessStartInfo("bash", [Path.Combine(Root, "dashboard", "e2e", "run.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            Environment =
            {
                ["LOOM_URL"] = App.BaseUrl,
                ["LOOM_KEY"] = FunctionAppHost.FunctionKey,
                ["LOOM_SLOW_WORKFLOW"] = "slow-demo",
                ["LOOM_E2E_HOST"] = "functions",
                ["LOOM_SCREENSHOTS"] = Path.Combine(Root, "artifacts", "screenshots-functions"),
            },
        };
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(6)))
        {
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        var text = await output + await errors;
        await File.WriteAllTextAsync(log, text);
        var summary = SummaryPattern().Matches(text).LastOrDefault();
        Assert.True(process.ExitCode == 0 && summary is not null && summary.Groups[2].Value == "0",
            $"dashboard e2e on the Function App (exit {process.ExitCode}; log {log}):\n{text}");
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    [GeneratedRegex(@"(?:src|href)=""/?(assets/[^""]+\.js)""")]
    private static partial Regex AssetPattern();

    [GeneratedRegex(@"^(\d+) passed, (\d+) failed$", RegexOptions.Multiline)]
    private static partial Regex SummaryPattern();
}
