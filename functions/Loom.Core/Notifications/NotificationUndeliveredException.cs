namespace Loom.Core.Notifications;

/// <summary>A try of a notification failed in a way worth retrying (5xx, 408, 429, timeout, network): thrown by the Function App's activity so Durable retries it.</summary>
public sealed class NotificationUndeliveredException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NotificationUndeliveredException()
    {
    }

    /// <summary>Creates the exception with what happened.</summary>
    public NotificationUndeliveredException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with what happened and its cause.</summary>
    public NotificationUndeliveredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
