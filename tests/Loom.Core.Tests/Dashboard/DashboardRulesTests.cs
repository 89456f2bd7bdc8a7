using Loom.Core.Dashboard;

namespace Loom.Core.Tests.Dashboard;

public sealed class DashboardRulesTests
{
    [Theory]
    [InlineData("/assets/index-D0a-eSD0.js", DashboardRules.ImmutableCaching)]
    [InlineData("/assets/index-DW7X3ZSi.css", DashboardRules.ImmutableCaching)]
    [InlineData("/index.html", DashboardRules.RevalidateCaching)]
    [InlineData("/", DashboardRules.RevalidateCaching)]
    [InlineData("/favicon.svg", DashboardRules.RevalidateCaching)]
    [InlineData("/assets-old.js", DashboardRules.RevalidateCaching)]
    public void HashedAssetsAreImmutable_EverythingElseIsRevalidated(string path, string caching)
    {
        var headers = DashboardRules.HeadersFor(path).ToDictionary(h => h.Key, h => h.Value);

        Assert.Equal(caching, headers["Cache-Control"]);
        Assert.Equal(DashboardRules.ContentSecurityPolicy, headers["Content-Security-Policy"]);
        Assert.Equal("nosniff", headers["X-Content-Type-Options"]);
        Assert.Equal("no-referrer", headers["Referrer-Policy"]);
    }

    [Fact]
    public void Policy_AllowsOnlyTheOwnOrigin_AndNoInlineCode()
    {
        Assert.StartsWith("default-src 'self';", DashboardRules.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", DashboardRules.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", DashboardRules.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", DashboardRules.ContentSecurityPolicy, StringComparison.Ordinal);
    }

    [Fact]
    public void HasBuild_OnlyWithAnIndex()
    {
        var folder = Directory.CreateTempSubdirectory("loom-dash-");
        try
        {
            Assert.False(DashboardRules.HasBuild(folder.FullName));
            Assert.False(DashboardRules.HasBuild(null));
            File.WriteAllText(Path.Combine(folder.FullName, DashboardRules.IndexFile), "<div id=\"app\"></div>");
            Assert.True(DashboardRules.HasBuild(folder.FullName));
            Assert.Contains("dashboard/build.sh", DashboardRules.NotBuiltMessage("Loom__DashboardPath"), StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
