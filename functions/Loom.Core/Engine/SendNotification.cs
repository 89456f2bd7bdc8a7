namespace Loom.Core.Engine;

/// <summary>Send an owed notification to every URL of its outcome; the driver answers with <see cref="NotificationReported"/>.</summary>
public sealed record SendNotification(Notice Notice) : RunCommand;
