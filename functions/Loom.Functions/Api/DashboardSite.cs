using System.Globalization;
using Loom.Core.Api;
using Loom.Core.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Loom.Functions.Api;

/// <summary>
/// The dashboard's build as the Function App serves it: a file of the build under <see cref="DashboardRules"/>' headers,
/// <c>index.html</c> for any other path (routes live in the URL hash), and a plain 404 naming the fix when there is no build.
/// </summary>
public sealed class DashboardSite
{
    /// <summary>The folder of the build inside the deployment package (see Loom.Functions.csproj).</summary>
    public const string PackageFolder = "dashboard";

    /// <summary>The setting that points at another folder.</summary>
    public const string FolderSetting = "Loom__DashboardPath";

    /// <summary>First segments the host keeps for itself (the admin API, extension webhooks): never answered with the app.</summary>
    private static readonly string[] HostSegments = ["api", "admin", "runtime"];

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private readonly PhysicalFileProvider? _files;

    /// <summary>Serves the build in <paramref name="configured"/>, else in the <see cref="PackageFolder"/> beside the app's binaries.</summary>
    /// <param name="configured">The folder setting's value, or empty.</param>
    public DashboardSite(string configured)
    {
        var folder = configured.Length > 0
            ? Path.GetFullPath(configured, AppContext.BaseDirectory)
            : Path.Combine(AppContext.BaseDirectory, PackageFolder);
        _files = DashboardRules.HasBuild(folder) ? new PhysicalFileProvider(folder) : null;
    }

    /// <summary>True when a build was found.</summary>
    public bool IsBuilt => _files is not null;

    /// <summary>The answer to a GET or HEAD of the request path <paramref name="path"/> (leading and trailing slashes do not matter).</summary>
    public IActionResult Serve(string? path)
    {
        path = (path ?? "").Trim('/');
        var first = path.Split('/', 2)[0];
        if (HostSegments.Contains(first, StringComparer.OrdinalIgnoreCase))
        {
            // An API path no trigger took (e.g. /api/diagnostics, which only the server has): the API's own 404, not the app.
            return new ApiResponseResult(ApiResponse.Problem(404, "Not found", $"No route /{path} on this host."));
        }

        if (_files is null) return NotBuilt();

        // The provider refuses paths that leave the folder (.., rooted paths) and hidden files: those get the app too.
        var served = "/" + path;
        var file = path.Length > 0 ? _files.GetFileInfo(path) : null;
        if (file is not { Exists: true, IsDirectory: false })
        {
            served = "/" + DashboardRules.IndexFile;
            file = _files.GetFileInfo(DashboardRules.IndexFile);
        }

        if (!file.Exists || file.PhysicalPath is null)
        {
            return NotBuilt(); // the build was removed while the app ran
        }

        return new DashboardFileResult(file, served);
    }

    private static NotBuiltResult NotBuilt() => new(DashboardRules.NotBuiltMessage(FolderSetting));

    /// <summary>404 with the plain-text fix. Written by hand, as every result here: the worker registers no MVC result executors.</summary>
    /// <param name="Message">What to do.</param>
    private sealed record NotBuiltResult(string Message) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
            response.StatusCode = StatusCodes.Status404NotFound;
            response.ContentType = "text/plain; charset=utf-8";
            return response.WriteAsync(Message, context.HttpContext.RequestAborted);
        }
    }

    /// <summary>A file of the build with its content type, validators (304 on a match) and the shared dashboard headers.</summary>
    private sealed class DashboardFileResult(IFileInfo file, string requestPath) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            var request = context.HttpContext.Request;
            var response = context.HttpContext.Response;
            foreach (var (name, value) in DashboardRules.HeadersFor(requestPath)) response.Headers[name] = value;
            var modified = file.LastModified.ToUniversalTime();
            var tag = $"\"{modified.UtcTicks ^ file.Length:x}\"";
            response.Headers.ETag = tag;
            response.Headers.LastModified = modified.ToString("R", CultureInfo.InvariantCulture);
            if (EntityTagHeaderValue.TryParseList([.. request.Headers.IfNoneMatch.OfType<string>()], out var tags) && tags.Any(t => t.Tag == tag || t.Tag == "*"))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return Task.CompletedTask;
            }

            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = ContentTypes.TryGetContentType(file.Name, out var type) ? type : "application/octet-stream";
            response.ContentLength = file.Length;
            return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.SendFileAsync(file, context.HttpContext.RequestAborted);
        }
    }
}
