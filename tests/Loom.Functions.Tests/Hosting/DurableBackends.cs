using System.Text.Json.Nodes;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Loom.Testing;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.Extensions.Logging;

namespace Loom.Functions.Tests.Hosting;

/// <summary>The two Durable backends the Function App is tested on.</summary>
internal static class DurableBackends
{
    /// <summary>The test host's in-memory backend, with host.json's activity and orchestration slots.</summary>
    public static Func<ILoggerFactory, Task<IOrchestrationService>> InMemory() =>
        loggers =>
        {
            var settings = HostJsonSettings.Read();
            return Task.FromResult<IOrchestrationService>(HostJsonSlots.Wrap(
                new InMemoryOrchestrationService(loggers), settings.MaxConcurrentTaskActivityWorkItems, settings.MaxConcurrentTaskOrchestrationWorkItems));
        };

    /// <summary>
    /// DurableTask.AzureStorage, the backend Durable Functions uses by default, on Azurite, with the settings of the
    /// repository's host.json (<see cref="HostJsonSettings"/>); only the idle queue polling is shortened for tests.
    /// </summary>
    public static Func<ILoggerFactory, Task<IOrchestrationService>> AzureStorage(
        AzuriteFixture azurite, string taskHub, Action<AzureStorageOrchestrationServiceSettings>? adjust = null) =>
        async loggers =>
        {
            var settings = HostJsonSettings.Read();
            settings.StorageAccountClientProvider = new StorageAccountClientProvider(azurite.ConnectionString);
            settings.TaskHubName = taskHub;
            settings.WorkerId = "worker-" + Guid.NewGuid().ToString("N")[..8];
            settings.LoggerFactory = loggers;
            // Idle polling backs off to 30 s by default; tests wait on short gaps between steps.
            settings.MaxQueuePollingInterval = TimeSpan.FromMilliseconds(500);
            adjust?.Invoke(settings);
            var service = new AzureStorageOrchestrationService(settings);
            await service.CreateIfNotExistsAsync();
            return service;
        };
}

/// <summary>Settings of the repository's host.json: durableTask as the Functions host maps it onto DurableTask.AzureStorage, and the HTTP route prefix.</summary>
internal static class HostJsonSettings
{
    public static JsonObject DurableTask() => HostJson()["extensions"]!["durableTask"]!.AsObject();

    /// <summary>extensions.http.routePrefix: what the host puts before every HTTP trigger's route ("api" when unset).</summary>
    public static string RoutePrefix() => HostJson()["extensions"]?["http"]?["routePrefix"]?.GetValue<string>() ?? "api";

    private static JsonNode HostJson() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AzuriteFixture.FindRepositoryRoot(), "host.json")))!;

    public static AzureStorageOrchestrationServiceSettings Read()
    {
        var durable = DurableTask();
        var storage = durable["storageProvider"]?.AsObject() ?? [];
        var settings = new AzureStorageOrchestrationServiceSettings();
        if (storage["partitionCount"] is { } partitions) settings.PartitionCount = partitions.GetValue<int>();
        if (storage["controlQueueVisibilityTimeout"] is { } control) settings.ControlQueueVisibilityTimeout = TimeSpan.Parse(control.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        if (storage["workItemQueueVisibilityTimeout"] is { } workItem) settings.WorkItemQueueVisibilityTimeout = TimeSpan.Parse(workItem.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        if (storage["controlQueueBatchSize"] is { } batch) settings.ControlQueueBatchSize = batch.GetValue<int>();
        if (durable["maxConcurrentActivityFunctions"] is { } activities) settings.MaxConcurrentTaskActivityWorkItems = activities.GetValue<int>();
        if (durable["maxConcurrentOrchestratorFunctions"] is { } orchestrators) settings.MaxConcurrentTaskOrchestrationWorkItems = orchestrators.GetValue<int>();
        if (durable["extendedSessionsEnabled"] is { } sessions) settings.ExtendedSessionsEnabled = sessions.GetValue<bool>();
        return settings;
    }
}
