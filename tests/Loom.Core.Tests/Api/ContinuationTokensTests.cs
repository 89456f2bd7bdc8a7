using Loom.Core.Api;
using Loom.Core.Stores;

namespace Loom.Core.Tests.Api;

public sealed class ContinuationTokensTests
{
    private static readonly RunQuery Listing = new("orders", "failed", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), 50);

    [Fact]
    public void TryRedeem_SameFilters_GivesTheStoreTokenBack()
    {
        var token = ContinuationTokens.Issue(Listing, "store-token");

        // The page size may change between pages; the filters may not.
        Assert.True(ContinuationTokens.TryRedeem(Listing with { Limit = 10 }, token, out var inner, out var error), error);
        Assert.Equal("store-token", inner);
    }

    [Theory]
    [InlineData("billing", "failed", "workflowId=orders, this request asks for workflowId=billing")]
    [InlineData(null, "failed", "workflowId=orders, this request asks for no workflowId")]
    [InlineData("orders", null, "status=failed, this request asks for no status")]
    public void TryRedeem_OtherFilters_RefusedWithTheReason(string? workflowId, string? status, string expected)
    {
        var token = ContinuationTokens.Issue(Listing, "store-token");

        Assert.False(ContinuationTokens.TryRedeem(Listing with { WorkflowId = workflowId, Status = status }, token, out var inner, out var error));
        Assert.Null(inner);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRedeem_OtherSince_Refused() =>
        Assert.False(ContinuationTokens.TryRedeem(Listing with { Since = Listing.Since!.Value.AddSeconds(1) }, ContinuationTokens.Issue(Listing, "t"), out _, out _));

    [Theory]
    [InlineData("garbage")]
    [InlineData("eyJwayI6IngifQ")]
    [InlineData("%00")]
    public void TryRedeem_NotATokenOfOurs_Refused(string token)
    {
        Assert.False(ContinuationTokens.TryRedeem(Listing, token, out _, out var error));
        Assert.Equal("continuation must be a token from a previous page of this listing.", error);
    }

    [Fact]
    public void Issue_NoNextPage_NoToken() => Assert.Null(ContinuationTokens.Issue(Listing, null));
}
