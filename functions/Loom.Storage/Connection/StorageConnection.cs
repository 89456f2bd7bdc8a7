using Azure.Core;

namespace Loom.Storage.Connection;

/// <summary>Where the Table and Queue services live and how to authenticate to them (Shared Key or a token credential).</summary>
public sealed class StorageConnection
{
    /// <summary>Azurite's well-known development account name.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development account key (public, documented by Microsoft).</summary>
    public const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private StorageConnection(string accountName, byte[]? accountKey, TokenCredential? credential, Uri tableEndpoint, Uri queueEndpoint)
    {
        AccountName = accountName;
        AccountKey = accountKey;
        Credential = credential;
        TableEndpoint = tableEndpoint;
        QueueEndpoint = queueEndpoint;
    }

    /// <summary>Storage account name (used in Shared Key canonicalization).</summary>
    public string AccountName { get; }

    /// <summary>The decoded account key when Shared Key is used; null with a token credential.</summary>
    internal byte[]? AccountKey { get; }

    /// <summary>The token credential when managed identity (or any Entra credential) is used; null with Shared Key.</summary>
    public TokenCredential? Credential { get; }

    /// <summary>Base address of the Table service, without a trailing slash (path-style for Azurite).</summary>
    public Uri TableEndpoint { get; }

    /// <summary>Base address of the Queue service, without a trailing slash (path-style for Azurite).</summary>
    public Uri QueueEndpoint { get; }

    /// <summary>True when requests are signed with the account key.</summary>
    public bool UsesSharedKey => AccountKey is not null;

    /// <summary>Azurite on its default ports (queue 10001, table 10002) with the development account.</summary>
    public static StorageConnection DevelopmentStorage() =>
        ForSharedKey(DevelopmentAccountName, DevelopmentAccountKey,
            new Uri("http://127.0.0.1:10002/devstoreaccount1"), new Uri("http://127.0.0.1:10001/devstoreaccount1"));

    /// <summary>Shared Key access to explicit endpoints (e.g. Azurite on other ports: http://127.0.0.1:PORT/devstoreaccount1).</summary>
    public static StorageConnection ForSharedKey(string accountName, string accountKey, Uri tableEndpoint, Uri queueEndpoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        ArgumentException.ThrowIfNullOrWhiteSpace(accountKey);
        byte[] key;
        try
        {
            key = Convert.FromBase64String(accountKey);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("The account key is not valid base64.", nameof(accountKey), e);
        }

        return new StorageConnection(accountName, key, null, Trim(tableEndpoint), Trim(queueEndpoint));
    }

    /// <summary>Token (Entra ID / managed identity) access to explicit endpoints.</summary>
    public static StorageConnection ForTokenCredential(Uri tableEndpoint, Uri queueEndpoint, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(tableEndpoint);
        // Path-style endpoints (Azurite, custom domains) name the account in the path; Azure's in the host.
        var segments = tableEndpoint.AbsolutePath.Trim('/');
        var account = segments.Length > 0 ? segments.Split('/')[0] : tableEndpoint.Host.Split('.')[0];
        return new StorageConnection(account, null, credential, Trim(tableEndpoint), Trim(queueEndpoint));
    }

    /// <summary>Token access to an Azure storage account by name (https://NAME.table.SUFFIX and https://NAME.queue.SUFFIX).</summary>
    public static StorageConnection ForTokenCredential(string accountName, TokenCredential credential, string endpointSuffix = "core.windows.net")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        return ForTokenCredential(
            new Uri($"https://{accountName}.table.{endpointSuffix}"), new Uri($"https://{accountName}.queue.{endpointSuffix}"), credential);
    }

    /// <summary>Parses a storage connection string; throws <see cref="FormatException"/> with the reason when it is not usable.</summary>
    public static StorageConnection Parse(string connectionString) =>
        TryParse(connectionString, out var connection, out var error) ? connection : throw new FormatException(error);

    /// <summary>Parses a connection string: full account form, explicit endpoints, or UseDevelopmentStorage=true.</summary>
    public static bool TryParse(string? connectionString, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StorageConnection? connection, out string error)
    {
        connection = null;
        error = "";
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            error = "The storage connection string is empty.";
            return false;
        }

        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = $"The storage connection string has a part without 'name=value': '{part}'.";
                return false;
            }

            settings[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }

        if (settings.TryGetValue("UseDevelopmentStorage", out var dev) && bool.TryParse(dev, out var useDev) && useDev)
        {
            var host = "http://127.0.0.1";
            if (settings.TryGetValue("DevelopmentStorageProxyUri", out var proxy) && Uri.TryCreate(proxy, UriKind.Absolute, out var proxyUri))
            {
                host = $"{proxyUri.Scheme}://{proxyUri.Host}";
            }

            connection = ForSharedKey(DevelopmentAccountName, DevelopmentAccountKey,
                Endpoint(settings, "TableEndpoint") ?? new Uri($"{host}:10002/{DevelopmentAccountName}"),
                Endpoint(settings, "QueueEndpoint") ?? new Uri($"{host}:10001/{DevelopmentAccountName}"));
            return true;
        }

        if (settings.ContainsKey("SharedAccessSignature"))
        {
            error = "Shared access signature connection strings are not supported; use an account key or a managed identity.";
            return false;
        }

        if (!settings.TryGetValue("AccountName", out var name) || string.IsNullOrWhiteSpace(name))
        {
            error = "The storage connection string has no AccountName.";
            return false;
        }

        if (!settings.TryGetValue("AccountKey", out var key) || string.IsNullOrWhiteSpace(key))
        {
            error = "The storage connection string has no AccountKey.";
            return false;
        }

        try
        {
            _ = Convert.FromBase64String(key);
        }
        catch (FormatException)
        {
            error = "The storage connection string's AccountKey is not valid base64.";
            return false;
        }

        var protocol = settings.GetValueOrDefault("DefaultEndpointsProtocol", "https");
        if (protocol is not ("http" or "https"))
        {
            error = $"DefaultEndpointsProtocol must be http or https, not '{protocol}'.";
            return false;
        }

        var suffix = settings.GetValueOrDefault("EndpointSuffix", "core.windows.net");
        var table = Endpoint(settings, "TableEndpoint") ?? new Uri($"{protocol}://{name}.table.{suffix}");
        var queue = Endpoint(settings, "QueueEndpoint") ?? new Uri($"{protocol}://{name}.queue.{suffix}");
        connection = ForSharedKey(name, key, table, queue);
        return true;
    }

    private static Uri? Endpoint(Dictionary<string, string> settings, string name) =>
        settings.TryGetValue(name, out var value) && Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : null;

    private static Uri Trim(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var text = endpoint.AbsoluteUri.TrimEnd('/');
        return new Uri(text);
    }
}
