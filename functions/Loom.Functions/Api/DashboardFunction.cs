using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Loom.Functions.Api;

/// <summary>
/// The dashboard at the app's root, as the self-hosted server serves it. Anonymous like any web page: the files hold no
/// data, and the page asks for a function key once and sends it on every API call (<c>x-functions-key</c>). host.json's
/// empty route prefix lets this catch-all take <c>/</c>; the API triggers' literal <c>api/...</c> routes win over it.
/// </summary>
/// <param name="site">The build.</param>
public sealed class DashboardFunction(DashboardSite site)
{
    /// <summary>Any path no other trigger takes: a file of the build, else index.html.</summary>
    [Function("Dashboard")]
    public IActionResult Serve(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "{*path}")] HttpRequest request) =>
        site.Serve(request.Path.Value);
}
