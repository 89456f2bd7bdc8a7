namespace Loom.Core.Execution;

/// <summary>Size limits of <see cref="HttpTaskExecutor"/>.</summary>
public sealed record ExecutorOptions
{
    /// <summary>Most bytes of a response body ever read and buffered; the rest is not read (default 256 KiB).</summary>
    public int MaxResponseBytes { get; init; } = 256 * 1024;

    /// <summary>Most bytes of a task output (serialised JSON) kept; a larger output is replaced by a truncation marker (default 64 KiB).</summary>
    public int MaxOutputBytes { get; init; } = OutputLimit.DefaultMaxOutputBytes;

    /// <summary>Most redirect hops followed per attempt (default 5); a further redirect fails the attempt as a client error.</summary>
    public int MaxRedirects { get; init; } = 5;
}
