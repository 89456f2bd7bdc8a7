using Loom.Core.Api;
using Microsoft.Extensions.Options;

namespace Loom.Hosting;

/// <summary>Collects what is wrong with a host's settings, each message naming the setting as configuration and environment spell it.</summary>
public sealed class SettingChecks
{
    private readonly List<string> _failures = [];

    /// <summary>The setting's names: <c>Loom:Name (Loom__Name)</c>.</summary>
    public static string Setting(string name) => $"{LoomOptions.Section}:{name} ({LoomOptions.Section}__{name.Replace(":", "__", StringComparison.Ordinal)})";

    /// <summary>Records that <paramref name="setting"/> is wrong: <paramref name="problem"/> follows its name.</summary>
    public void Fail(string setting, string problem) => _failures.Add($"{Setting(setting)} {problem}");

    /// <summary>Requires <paramref name="value"/> to be at least <paramref name="minimum"/>.</summary>
    public void AtLeast(string setting, long value, long minimum)
    {
        if (value < minimum) Fail(setting, $"is {value}; it must be at least {minimum}.");
    }

    /// <summary>Requires a duration longer than zero.</summary>
    public void Positive(string setting, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) Fail(setting, $"is {value}; it must be longer than zero.");
    }

    /// <summary>Requires one of the roles a key can have; returns it, or null after recording the failure.</summary>
    public ApiRole? Role(string setting, string value)
    {
        if (TryParseRole(value, out var role)) return role;
        Fail(setting, $"is '{value}'; it must be reader, operator or admin.");
        return null;
    }

    /// <summary>Requires an absolute http or https URL when <paramref name="value"/> is set.</summary>
    public void HttpUrl(string setting, string value)
    {
        if (value.Length > 0 && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            Fail(setting, $"is '{value}'; it must be an absolute http or https URL.");
        }
    }

    /// <summary>The outcome for the options system: success, or every failure at once.</summary>
    public ValidateOptionsResult Result => _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);

    /// <summary>reader, operator or admin, in any case; never a number and never anonymous.</summary>
    public static bool TryParseRole(string text, out ApiRole role)
    {
        role = ApiRole.Anonymous;
        foreach (var candidate in (ApiRole[])[ApiRole.Reader, ApiRole.Operator, ApiRole.Admin])
        {
            if (string.Equals(text, candidate.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                role = candidate;
                return true;
            }
        }

        return false;
    }
}
