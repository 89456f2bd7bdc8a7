using Loom.Core.Definitions;

namespace Loom.Hosting;

/// <summary>
/// Host defaults of notifications (<c>Loom:Notify</c>, e.g. <c>Loom__Notify__OnFailure__0</c>), the same names on both hosts:
/// used for every list a workflow's <c>notify:</c> leaves out.
/// </summary>
public sealed class NotifyOptions
{
    /// <summary>URLs told when a run fails (literal, or <c>${{ secrets.NAME }}</c>).</summary>
    public List<string>? OnFailure { get; set; }

    /// <summary>URLs told when a run succeeds.</summary>
    public List<string>? OnSuccess { get; set; }

    /// <summary>URLs told when a run or task misses its sla.</summary>
    public List<string>? OnSlaMiss { get; set; }

    /// <summary>Name of the secret (<c>Loom:Secrets:NAME</c>) that signs notifications of workflows without a <c>signingSecret</c>.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>The defaults as a spec; null when none are set.</summary>
    public NotifySpec? ToSpec() =>
        OnFailure is null && OnSuccess is null && OnSlaMiss is null && string.IsNullOrEmpty(SigningSecret)
            ? null
            : new NotifySpec { OnFailure = OnFailure, OnSuccess = OnSuccess, OnSlaMiss = OnSlaMiss, SigningSecret = string.IsNullOrEmpty(SigningSecret) ? null : SigningSecret };
}
