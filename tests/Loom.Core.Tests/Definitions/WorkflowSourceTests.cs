using Loom.Core.Definitions;

namespace Loom.Core.Tests.Definitions;

public class WorkflowSourceTests
{
    private const string Source = "id: w\ntasks:\n  - id: t\n    url: http://localhost/x\n";

    [Fact]
    public void ContentHash_SameContent_SameHash()
    {
        Assert.Equal(WorkflowSource.ContentHash(Source), WorkflowSource.ContentHash(new string(Source.AsSpan())));
    }

    [Fact]
    public void ContentHash_LineEndingsTrailingWhitespaceAndBom_Ignored()
    {
        var variant = "\uFEFFid: w  \r\ntasks:\t\r\n  - id: t\r\n    url: http://localhost/x   \r\n\r\n";

        Assert.Equal(WorkflowSource.ContentHash(Source), WorkflowSource.ContentHash(variant));
    }

    [Fact]
    public void ContentHash_DifferentContent_DifferentHash()
    {
        Assert.NotEqual(WorkflowSource.ContentHash(Source), WorkflowSource.ContentHash(Source.Replace("/x", "/y", StringComparison.Ordinal)));
        Assert.NotEqual(WorkflowSource.ContentHash(Source), WorkflowSource.ContentHash(Source.Replace("  - id", "   - id", StringComparison.Ordinal)));
    }

    [Fact]
    public void ContentHash_IsLowerHexSha256OfNormalizedText()
    {
        // SHA-256 of "abc".
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", WorkflowSource.ContentHash("abc \r\n"));
    }
}
