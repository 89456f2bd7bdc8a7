using Azure.Data.Tables;
using Loom.Core.Definitions;
using Loom.Core.Retention;
using Loom.Core.Execution;
using Loom.Storage.Stores;
using Microsoft.Extensions.Options;

namespace Loom.Hosting;

/// <summary>Checks the shared settings when the host starts, so a bad value stops it with a message naming the setting rather than failing later or being replaced silently.</summary>
/// <param name="host">What this host requires.</param>
internal sealed class LoomOptionsValidator(LoomHostProfile host) : IValidateOptions<LoomOptions>
{
    /// <summary>Shortest callback signing key: HMAC-SHA256 keys shorter than this are guessable.</summary>
    public const int MinSigningKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, LoomOptions options)
    {
        var checks = new SettingChecks();
        var key = options.CallbackSigningKey;
        if (key.Length == 0 && host.RequiresCallbackSigningKey)
        {
            checks.Fail(nameof(LoomOptions.CallbackSigningKey), $"is not set; the {host.Name} needs a secret of at least {MinSigningKeyLength} characters, the same on every instance, to sign callback URLs.");
        }
        else if (key.Length is > 0 and < MinSigningKeyLength)
        {
            checks.Fail(nameof(LoomOptions.CallbackSigningKey), $"is {key.Length} characters long; it must be at least {MinSigningKeyLength}.");
        }

        CheckStorage(options, checks);
        if (!TableStoreOptions.IsValidPrefix(options.TablePrefix))
        {
            checks.Fail(nameof(LoomOptions.TablePrefix), $"is '{options.TablePrefix}'; it must be 1-50 letters or digits starting with a letter.");
        }

        checks.HttpUrl(nameof(LoomOptions.PublicBaseUrl), options.PublicBaseUrl);
        checks.AtLeast(nameof(LoomOptions.MaxBodyBytes), options.MaxBodyBytes, 1);
        if (options.RetentionDays is < 0 or > RetentionPolicy.MaxDays)
        {
            checks.Fail(nameof(LoomOptions.RetentionDays), $"is {options.RetentionDays}; it must be from 0 (keep runs forever) to {RetentionPolicy.MaxDays} days.");
        }
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var apiKey = options.ApiKeys[i];
            if (apiKey.Key.Length == 0) checks.Fail($"ApiKeys:{i}:Key", "is empty; a listed key needs a value.");
            checks.Role($"ApiKeys:{i}:Role", apiKey.Role);
        }

        CheckNotify(options.Notify, checks);

        return checks.Result;
    }

    /// <summary>Notification URLs are checked as in a workflow's <c>notify:</c>; the signing secret is a secret's name.</summary>
    private static void CheckNotify(NotifyOptions? notify, SettingChecks checks)
    {
        if (notify is null) return;
        foreach (var (list, urls) in new[] { ("OnFailure", notify.OnFailure), ("OnSuccess", notify.OnSuccess), ("OnSlaMiss", notify.OnSlaMiss) })
        {
            for (var i = 0; i < (urls?.Count ?? 0); i++)
            {
                if ((NotifyUrls.Check(urls![i] ?? "") ?? NotifyUrlGuard.AlwaysRefused(urls[i] ?? "")) is { } error) checks.Fail($"Notify:{list}:{i}", $"is not usable: {error}.");
            }
        }

        if (notify.SigningSecret is { Length: > 0 } secret && !secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            checks.Fail("Notify:SigningSecret", "must be the name of a secret (Loom:Secrets:NAME): letters, digits, '_' and '-'.");
        }
    }

    private static void CheckStorage(LoomOptions options, SettingChecks checks)
    {
        if (options.StorageConnectionString.Length > 0)
        {
            try
            {
                // Parsing only (no request); the message leaves the value out, since it may carry an account key.
                _ = new TableServiceClient(options.StorageConnectionString);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                checks.Fail(nameof(LoomOptions.StorageConnectionString), "is not an Azure Storage connection string (UseDevelopmentStorage=true, an account key, a shared access signature or explicit endpoints).");
            }
        }
        else if (options.TableServiceUri.Length == 0)
        {
            checks.Fail(nameof(LoomOptions.StorageConnectionString), $"is not set; set it, or {SettingChecks.Setting(nameof(LoomOptions.TableServiceUri))} to reach the tables with the managed identity.");
        }
        else if (!Uri.TryCreate(options.TableServiceUri, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            checks.Fail(nameof(LoomOptions.TableServiceUri), $"is '{options.TableServiceUri}'; it must be the Table service's absolute URL.");
        }
    }
}
