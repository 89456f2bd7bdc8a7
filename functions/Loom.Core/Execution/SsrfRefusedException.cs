using System.Net;
using Loom.Core.Engine;

namespace Loom.Core.Execution;

/// <summary>Raised by the SSRF guard when a task's destination is refused; the executor turns it into <see cref="FailureClass.Refused"/>.</summary>
public sealed class SsrfRefusedException : Exception
{
    /// <summary>Creates the exception with a message naming the refused address.</summary>
    public SsrfRefusedException()
        : base("refused by the SSRF guard")
    {
    }

    /// <summary>Creates the exception with a message naming the refused address.</summary>
    public SsrfRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public SsrfRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a host and the address that was refused.</summary>
    public SsrfRefusedException(string message, string host, IPAddress? address)
        : base(message)
    {
        Host = host;
        Address = address;
    }

    /// <summary>The host of the request (a name or an address literal).</summary>
    public string? Host { get; }

    /// <summary>The refused address, when the host resolved to one.</summary>
    public IPAddress? Address { get; }
}
