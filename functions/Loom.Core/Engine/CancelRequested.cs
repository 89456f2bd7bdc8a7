namespace Loom.Core.Engine;

/// <summary>Someone asked to cancel the run.</summary>
public sealed record CancelRequested(string? Reason, DateTimeOffset At) : RunEvent(At)
{
    /// <summary>The name of the API key that asked (never the key); null when Loom itself cancels.</summary>
    public string? By { get; init; }
}
