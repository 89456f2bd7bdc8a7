using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Loom.Storage.Connection;

namespace Loom.Storage.Queues;

/// <summary>Operations on one queue over the Queue REST API (XML): send with delay, receive with a visibility lease, update, delete, peek, count.</summary>
/// <remarks>
/// Message text travels base64-encoded (UTF-8). Messages never expire unless a time-to-live is given, because a Loom message is a
/// timer or a hand-off that must not vanish silently. A delay longer than the service's 7-day maximum is sent as a hop of 7 days with
/// the real due time in a small envelope; when the hop surfaces early, <see cref="ReceiveMessagesAsync"/> re-sends the rest and
/// deletes the hop, so callers only ever see the message when it is due.
/// </remarks>
public sealed partial class QueueClient : IQueueClient
{
    /// <summary>Most messages one receive or peek may return.</summary>
    public const int MaxMessagesPerReceive = 32;

    /// <summary>Largest message text accepted, in UTF-8 bytes (64 KiB of base64).</summary>
    public const int MaxMessageBytes = 48 * 1024;

    private const string EnvelopePrefix = "\u001Floom-due:";
    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly StorageClientOptions _options;

    internal QueueClient(HttpPipeline pipeline, Uri endpoint, string name, StorageClientOptions options)
    {
        if (!QueueNamePattern().IsMatch(name) || name.Contains("--", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid queue name: 3-63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.", nameof(name));
        }

        _pipeline = pipeline;
        _endpoint = endpoint;
        _options = options;
        Name = name;
    }

    /// <summary>The queue's name.</summary>
    public string Name { get; }

    /// <summary>Creates the queue; false when it already existed.</summary>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = NewMessage(RequestMethod.Put, "");
        try
        {
            var response = await SendAsync(message, "Create queue", cancellationToken).ConfigureAwait(false);
            return response.Status == 201;
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Conflict)
        {
            return false;
        }
    }

    /// <summary>Deletes the queue; false when it did not exist.</summary>
    public async Task<bool> DeleteIfExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = NewMessage(RequestMethod.Delete, "");
        try
        {
            await SendAsync(message, "Delete queue", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.QueueNotFound)
        {
            return false;
        }
    }

    /// <summary>Sends a message, hidden for <paramref name="visibilityDelay"/> (any length) and kept for <paramref name="timeToLive"/> (null: forever).</summary>
    public Task<SendReceipt> SendMessageAsync(string text, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var delay = visibilityDelay ?? TimeSpan.Zero;
        if (delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityDelay), delay, "The visibility delay cannot be negative.");
        }

        if (delay > _options.MaxQueueVisibilityDelay)
        {
            var due = _options.TimeProvider.GetUtcNow() + delay;
            return SendRawAsync(EnvelopePrefix + due.ToString("O", CultureInfo.InvariantCulture) + "\n" + text, _options.MaxQueueVisibilityDelay, timeToLive, cancellationToken);
        }

        return SendRawAsync(text, delay, timeToLive, cancellationToken);
    }

    /// <summary>Receives up to <paramref name="maxMessages"/> (1..32) due messages, each hidden from others for <paramref name="visibilityTimeout"/> (default 30 s).</summary>
    public async Task<IReadOnlyList<QueueMessage>> ReceiveMessagesAsync(int maxMessages = 1, TimeSpan? visibilityTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, MaxMessagesPerReceive);
        using var message = NewMessage(RequestMethod.Get, "/messages");
        message.Request.Uri.AppendQuery("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture));
        message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(visibilityTimeout ?? TimeSpan.FromSeconds(30), 1));
        var response = await SendAsync(message, "Receive messages", cancellationToken).ConfigureAwait(false);
        var received = new List<QueueMessage>();
        foreach (var element in Messages(response))
        {
            var id = element.Element("MessageId")!.Value;
            var popReceipt = element.Element("PopReceipt")!.Value;
            var text = Decode(element.Element("MessageText")?.Value);
            if (TryOpenEnvelope(text, out var due, out var body))
            {
                var remaining = due - _options.TimeProvider.GetUtcNow();
                if (remaining > TimeSpan.Zero)
                {
                    // Not due yet: send the rest of the delay as a new hop, then drop this one.
                    await SendMessageAsync(body, remaining, null, cancellationToken).ConfigureAwait(false);
                    await DeleteMessageAsync(id, popReceipt, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                text = body;
            }

            received.Add(new QueueMessage(
                id, popReceipt, text,
                long.Parse(element.Element("DequeueCount")?.Value ?? "0", CultureInfo.InvariantCulture),
                Date(element.Element("InsertionTime")),
                ExpiryDate(element.Element("ExpirationTime")),
                Date(element.Element("TimeNextVisible"))));
        }

        return received;
    }

    /// <summary>Up to <paramref name="maxMessages"/> visible messages, without taking a lease or counting a dequeue.</summary>
    public async Task<IReadOnlyList<PeekedMessage>> PeekMessagesAsync(int maxMessages = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, MaxMessagesPerReceive);
        using var message = NewMessage(RequestMethod.Get, "/messages");
        message.Request.Uri.AppendQuery("peekonly", "true");
        message.Request.Uri.AppendQuery("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture));
        var response = await SendAsync(message, "Peek messages", cancellationToken).ConfigureAwait(false);
        return [.. Messages(response).Select(element =>
        {
            var text = Decode(element.Element("MessageText")?.Value);
            if (TryOpenEnvelope(text, out _, out var body))
            {
                text = body;
            }

            return new PeekedMessage(
                element.Element("MessageId")!.Value, text,
                long.Parse(element.Element("DequeueCount")?.Value ?? "0", CultureInfo.InvariantCulture),
                Date(element.Element("InsertionTime")), ExpiryDate(element.Element("ExpirationTime")));
        })];
    }

    /// <summary>Extends (or shortens) a received message's lease and optionally replaces its text; returns the new pop receipt.</summary>
    public async Task<UpdateReceipt> UpdateMessageAsync(string messageId, string popReceipt, TimeSpan visibilityTimeout, string? newText = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        if (visibilityTimeout < TimeSpan.Zero || visibilityTimeout > TimeSpan.FromDays(7))
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), visibilityTimeout, "An update's visibility timeout must be between 0 and 7 days.");
        }

        using var message = NewMessage(RequestMethod.Put, "/messages/" + Uri.EscapeDataString(messageId));
        message.Request.Uri.AppendQuery("popreceipt", popReceipt);
        message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(visibilityTimeout, 0));
        if (newText is not null)
        {
            SetBody(message, newText);
        }

        var response = await SendAsync(message, "Update message", cancellationToken).ConfigureAwait(false);
        response.Headers.TryGetValue("x-ms-popreceipt", out var receipt);
        response.Headers.TryGetValue("x-ms-time-next-visible", out var nextVisible);
        return new UpdateReceipt(receipt ?? "",
            nextVisible is null ? _options.TimeProvider.GetUtcNow() + visibilityTimeout : DateTimeOffset.Parse(nextVisible, CultureInfo.InvariantCulture));
    }

    /// <summary>Deletes a received message; <see cref="StorageErrorKind.MessageNotFound"/> when the pop receipt is stale (the lease was lost).</summary>
    public async Task DeleteMessageAsync(string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(popReceipt);
        using var message = NewMessage(RequestMethod.Delete, "/messages/" + Uri.EscapeDataString(messageId));
        message.Request.Uri.AppendQuery("popreceipt", popReceipt);
        await SendAsync(message, "Delete message", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes every message in the queue.</summary>
    public async Task ClearMessagesAsync(CancellationToken cancellationToken = default)
    {
        using var message = NewMessage(RequestMethod.Delete, "/messages");
        await SendAsync(message, "Clear messages", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The service's approximate count of messages (visible or not).</summary>
    public async Task<int> GetApproximateMessageCountAsync(CancellationToken cancellationToken = default)
    {
        using var message = NewMessage(RequestMethod.Get, "");
        message.Request.Uri.AppendQuery("comp", "metadata");
        var response = await SendAsync(message, "Get queue metadata", cancellationToken).ConfigureAwait(false);
        return response.Headers.TryGetValue("x-ms-approximate-messages-count", out var count)
            ? int.Parse(count, CultureInfo.InvariantCulture)
            : 0;
    }

    private async Task<SendReceipt> SendRawAsync(string text, TimeSpan delay, TimeSpan? timeToLive, CancellationToken cancellationToken)
    {
        using var message = NewMessage(RequestMethod.Post, "/messages");
        if (delay > TimeSpan.Zero)
        {
            message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(delay, 0));
        }

        message.Request.Uri.AppendQuery("messagettl", timeToLive is { } ttl ? Seconds(ttl, 1) : "-1");
        SetBody(message, text);
        var response = await SendAsync(message, "Send message", cancellationToken).ConfigureAwait(false);
        var element = Messages(response).First();
        return new SendReceipt(element.Element("MessageId")!.Value, element.Element("PopReceipt")!.Value, Date(element.Element("TimeNextVisible")));
    }

    private static void SetBody(HttpMessage message, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > MaxMessageBytes)
        {
            throw new StorageException(StorageErrorKind.TooLarge, 0, "MessageTooLarge",
                $"A queue message holds at most {MaxMessageBytes} bytes of text; this one has {bytes.Length}.");
        }

        var xml = "<QueueMessage><MessageText>" + Convert.ToBase64String(bytes) + "</MessageText></QueueMessage>";
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(xml));
    }

    private static bool TryOpenEnvelope(string text, out DateTimeOffset due, out string body)
    {
        due = default;
        body = text;
        if (!text.StartsWith(EnvelopePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (newline < 0 || !DateTimeOffset.TryParse(text.AsSpan(EnvelopePrefix.Length, newline - EnvelopePrefix.Length), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out due))
        {
            return false;
        }

        body = text[(newline + 1)..];
        return true;
    }

    private static string Decode(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return "";
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            // Written by another client without base64: hand it over as it is.
            return base64;
        }
    }

    private static IEnumerable<XElement> Messages(Response response)
    {
        var content = response.Content.ToString();
        return string.IsNullOrWhiteSpace(content) ? [] : XDocument.Parse(content).Root?.Elements("QueueMessage") ?? [];
    }

    private static DateTimeOffset Date(XElement? element) =>
        element is null ? default : DateTimeOffset.Parse(element.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static DateTimeOffset? ExpiryDate(XElement? element)
    {
        if (element is null)
        {
            return null;
        }

        var date = Date(element);
        // "Never expires" comes back as the end of time (9999-12-31).
        return date.Year >= 9999 ? null : date;
    }

    private static string Seconds(TimeSpan value, int minimum) =>
        Math.Max(minimum, (int)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private HttpMessage NewMessage(RequestMethod method, string path)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(_endpoint);
        message.Request.Uri.AppendPath("/" + Name + path, escape: false);
        message.Request.Headers.SetValue("x-ms-version", _options.QueueApiVersion);
        return message;
    }

    private Task<Response> SendAsync(HttpMessage message, string operation, CancellationToken cancellationToken) =>
        StorageErrors.SendAsync(_pipeline, message, StorageService.Queue, $"{operation} ({Name})", cancellationToken);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex QueueNamePattern();
}
