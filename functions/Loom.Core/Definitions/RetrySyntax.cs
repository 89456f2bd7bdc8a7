using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Loom.Core.Definitions;

/// <summary>A <c>retry</c> block; null fields were not written.</summary>
internal sealed class RetrySyntax
{
    public int? MaxAttempts { get; set; }

    public BackoffKind? Backoff { get; set; }

    public TimeSpan? Delay { get; set; }

    public YamlNode? DelayNode { get; set; }

    public TimeSpan? MaxDelay { get; set; }

    public YamlNode? MaxDelayNode { get; set; }

    public double? Jitter { get; set; }

    public RetryOn? RetryOn { get; set; }
}
