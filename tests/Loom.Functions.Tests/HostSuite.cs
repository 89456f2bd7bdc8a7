using Loom.SampleBackend;
using Loom.Testing;

namespace Loom.Functions.Tests;

/// <summary>What every scenario suite written once for all hosts reaches its host through: the host, its backend and the names it makes unique.</summary>
/// <param name="fixture">The host the suite runs on.</param>
public abstract class HostSuite(HostFixture fixture)
{
    /// <summary>How long a scenario waits for a condition before it fails (generous: CI machines are loaded).</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>The host's fixture (its clock, Azurite, tag and features).</summary>
    protected HostFixture Fixture => fixture;

    /// <summary>The host under test.</summary>
    protected ILoomHost H => fixture.Host;

    /// <summary>The stub backend's base URL.</summary>
    protected string B => fixture.Backend.BaseUrl;

    /// <summary>Every request the stub backend received.</summary>
    protected RequestLog Log => fixture.Backend.Log;

    /// <summary>A workflow id unique to this host.</summary>
    protected string W(string name) => $"{name}-{fixture.Tag}";
}
