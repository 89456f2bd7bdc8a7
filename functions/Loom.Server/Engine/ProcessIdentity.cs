using System.Security.Cryptography;

namespace Loom.Server.Engine;

/// <summary>Who this process is: a stable name plus an incarnation that changes at every start.</summary>
public sealed class ProcessIdentity
{
    /// <summary>Creates the identity of this process start.</summary>
    public ProcessIdentity(string name, DateTimeOffset startedAt)
    {
        Name = name;
        Incarnation = $"{name}/{startedAt.UtcTicks:x}{Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant()}";
    }

    /// <summary>Stable name (configuration, or machine name and port).</summary>
    public string Name { get; }

    /// <summary>Name plus a per-start suffix; outbox items are owned by incarnations.</summary>
    public string Incarnation { get; }

    /// <summary>The stable name inside an incarnation string.</summary>
    public static string NameOf(string incarnation)
    {
        var slash = incarnation.LastIndexOf('/');
        return slash < 0 ? incarnation : incarnation[..slash];
    }
}

/// <summary>A process's last heartbeat.</summary>
/// <param name="Name">Stable name.</param>
/// <param name="Incarnation">The incarnation that wrote it.</param>
/// <param name="LastSeen">When; <see cref="DateTimeOffset.MinValue"/> after a clean shutdown.</param>
public sealed record ProcessHeartbeat(string Name, string Incarnation, DateTimeOffset LastSeen);

/// <summary>Heartbeats of the server processes sharing a storage account.</summary>
public interface IProcessRegistry
{
    /// <summary>Writes this process's heartbeat.</summary>
    Task BeatAsync(ProcessHeartbeat heartbeat, CancellationToken cancellationToken = default);

    /// <summary>Every process's last heartbeat.</summary>
    Task<IReadOnlyList<ProcessHeartbeat>> ListAsync(CancellationToken cancellationToken = default);
}
