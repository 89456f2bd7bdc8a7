namespace Loom.Core.SelfHosted;

/// <summary>A run's change that failed before any I/O (applying its events, or writing its state down): it would fail the same way on every retry.</summary>
public sealed class UnstorableRunException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UnstorableRunException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public UnstorableRunException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="inner">The failure.</param>
    public UnstorableRunException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
