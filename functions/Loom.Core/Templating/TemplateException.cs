namespace Loom.Core.Templating;

/// <summary>A template could not be rendered (a parameter without value, a missing output path, a secret not configured); the message never holds a secret value.</summary>
public sealed class TemplateException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public TemplateException()
        : base("A template could not be rendered.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TemplateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public TemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one expression.</summary>
    public TemplateException(string message, string expression)
        : base(message)
    {
        Expression = expression;
    }

    /// <summary>The expression that failed, e.g. "tasks.extract.output.rows.0"; null when not about one expression.</summary>
    public string? Expression { get; }
}
