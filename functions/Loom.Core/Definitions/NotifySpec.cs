namespace Loom.Core.Definitions;

/// <summary>
/// Where a workflow's notifications go (<c>notify:</c>): URLs per outcome. A list left out (null) takes the host's default
/// list (<c>Loom:Notify</c>); a list written empty sends nothing, whatever the host's default.
/// </summary>
public sealed record NotifySpec
{
    /// <summary>Most URLs one outcome may list.</summary>
    public const int MaxUrls = 10;

    /// <summary>URLs told when the run fails; null when not written.</summary>
    public IReadOnlyList<string>? OnFailure { get; init; }

    /// <summary>URLs told when the run succeeds; null when not written.</summary>
    public IReadOnlyList<string>? OnSuccess { get; init; }

    /// <summary>URLs told when the run or a task misses its <c>sla</c>; null when not written.</summary>
    public IReadOnlyList<string>? OnSlaMiss { get; init; }

    /// <summary>
    /// Name of the host secret that signs notifications when the workflow names no <c>signingSecret</c> of its own (host
    /// defaults only: <c>Loom:Notify:SigningSecret</c>).
    /// </summary>
    public string? SigningSecret { get; init; }

    /// <summary>The URLs of one outcome (empty when none).</summary>
    public IReadOnlyList<string> For(NotifyKind kind) => (kind switch
    {
        NotifyKind.Failure => OnFailure,
        NotifyKind.Success => OnSuccess,
        _ => OnSlaMiss,
    }) ?? [];

    /// <summary>The YAML name of an outcome's list: onFailure, onSuccess, onSlaMiss.</summary>
    public static string FieldName(NotifyKind kind) => kind switch
    {
        NotifyKind.Failure => "onFailure",
        NotifyKind.Success => "onSuccess",
        _ => "onSlaMiss",
    };

    /// <summary>This spec with every list it leaves out (and the signing secret) taken from <paramref name="defaults"/>.</summary>
    public NotifySpec WithDefaults(NotifySpec? defaults) => defaults is null ? this : new NotifySpec
    {
        OnFailure = OnFailure ?? defaults.OnFailure,
        OnSuccess = OnSuccess ?? defaults.OnSuccess,
        OnSlaMiss = OnSlaMiss ?? defaults.OnSlaMiss,
        SigningSecret = SigningSecret ?? defaults.SigningSecret,
    };

    /// <summary>The spec a run uses: the workflow's own lists, the host's defaults for the lists it leaves out; null when nothing is ever sent.</summary>
    /// <param name="own">The workflow's <c>notify:</c>, or null.</param>
    /// <param name="defaults">The host's defaults, or null.</param>
    public static NotifySpec? Effective(NotifySpec? own, NotifySpec? defaults)
    {
        var spec = own?.WithDefaults(defaults) ?? defaults;
        return spec is null || (spec.For(NotifyKind.Failure).Count == 0 && spec.For(NotifyKind.Success).Count == 0 && spec.For(NotifyKind.SlaMiss).Count == 0)
            ? null
            : spec;
    }
}
