using Microsoft.Extensions.Logging;

namespace Loom.Hosting;

/// <summary>Log messages of the shared hosting layer (event ids 3001-3099; every id is used once across Loom's assemblies).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "API request {Method} {Path} failed")]
    public static partial void ApiFailed(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Loom:CallbackSigningKey is not set: callback URLs are signed with a key made for this process and stop verifying when it restarts")]
    public static partial void SigningKeyGenerated(ILogger logger);

    [LoggerMessage(EventId = 3050, Level = LogLevel.Warning, Message = "The circuit breakers' table did not answer; calls go ahead as if their circuits were closed")]
    public static partial void CircuitStoreFailed(ILogger logger, Exception exception);
}
