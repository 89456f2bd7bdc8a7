namespace Loom.Core.Conditions;

/// <summary>A condition that cannot be parsed, or a value it cannot compare; <see cref="Offset"/> is where in the text it went wrong.</summary>
public sealed class ConditionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConditionException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ConditionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ConditionException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception at a position of the condition's text.</summary>
    public ConditionException(string message, int offset)
        : base(message)
    {
        Offset = offset;
    }

    /// <summary>Zero-based character offset in the condition's text.</summary>
    public int Offset { get; }
}
