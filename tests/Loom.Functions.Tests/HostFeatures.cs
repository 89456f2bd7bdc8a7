namespace Loom.Functions.Tests;

/// <summary>What a scenario suite needs of its hosts beyond the defaults.</summary>
[Flags]
public enum HostFeatures
{
    /// <summary>The defaults: the real clock, no scheduler loop, the server's queue poller off.</summary>
    None = 0,

    /// <summary>
    /// A clock the test moves ahead (<see cref="HostFixture.Clock"/>), seen by every rule of the host, and the scheduler on:
    /// the Function App's Timer function fires on <see cref="HostFixture.TickAsync"/>, the server's loop ticks every second.
    /// A host of its own, since no other test may see its days pass.
    /// </summary>
    FakeClock = 1,

    /// <summary>Queue and webhook triggers: the server's queue poller runs, and the host secret <c>HOOK_SECRET</c> is <see cref="HostFixture.HookSecret"/>.</summary>
    EventTriggers = 2,
}
