namespace Loom.Core.Engine;

/// <summary>How sending a notification to one URL ended.</summary>
/// <param name="Target">The URL as shown (its origin, or the secret naming it): never a credential.</param>
/// <param name="Sent">True when the receiver answered 2xx.</param>
/// <param name="Detail">What happened (the last answer or error, and the number of tries).</param>
public sealed record NotificationDelivery(string Target, bool Sent, string Detail);
