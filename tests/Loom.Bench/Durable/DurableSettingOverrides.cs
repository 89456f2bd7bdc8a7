using System.Globalization;
using DurableTask.AzureStorage;

namespace Loom.Bench.Durable;

/// <summary>The bench's <c>--durable-set NAME=VALUE</c>: host.json's durableTask settings, by their host.json names, changed for one bench run.</summary>
internal static class DurableSettingOverrides
{
    public static IReadOnlySet<string> Known { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "partitionCount", "controlQueueBatchSize", "controlQueueBufferThreshold", "extendedSessionsEnabled", "maxConcurrentOrchestratorFunctions",
        "maxConcurrentActivityFunctions", "maxQueuePollingInterval", "controlQueueVisibilityTimeout", "workItemQueueVisibilityTimeout",
    };

    public static void Apply(AzureStorageOrchestrationServiceSettings settings, IReadOnlyDictionary<string, string> overrides)
    {
        foreach (var (name, value) in overrides)
        {
            switch (name)
            {
                case "partitionCount": settings.PartitionCount = Int(value); break;
                case "controlQueueBatchSize": settings.ControlQueueBatchSize = Int(value); break;
                case "controlQueueBufferThreshold": settings.ControlQueueBufferThreshold = Int(value); break;
                case "extendedSessionsEnabled": settings.ExtendedSessionsEnabled = bool.Parse(value); break;
                case "maxConcurrentOrchestratorFunctions": settings.MaxConcurrentTaskOrchestrationWorkItems = Int(value); break;
                case "maxConcurrentActivityFunctions": settings.MaxConcurrentTaskActivityWorkItems = Int(value); break;
                case "maxQueuePollingInterval": settings.MaxQueuePollingInterval = Span(value); break;
                case "controlQueueVisibilityTimeout": settings.ControlQueueVisibilityTimeout = Span(value); break;
                case "workItemQueueVisibilityTimeout": settings.WorkItemQueueVisibilityTimeout = Span(value); break;
                default: throw new InvalidOperationException($"--durable-set: unknown setting {name}.");
            }
        }
    }

    /// <summary>Null when every value reads as its setting's type, else the reason.</summary>
    public static string? Check(IReadOnlyDictionary<string, string> overrides)
    {
        try
        {
            Apply(new AzureStorageOrchestrationServiceSettings(), overrides);
            return null;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            return $"--durable-set: {ex.Message}";
        }
    }

    private static int Int(string value) => int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);

    private static TimeSpan Span(string value) => TimeSpan.Parse(value, CultureInfo.InvariantCulture);
}
