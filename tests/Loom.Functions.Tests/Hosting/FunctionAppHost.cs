using System.Reflection;
using System.Text.Json;
using DurableTask.Core;
using Grpc.Net.Client;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Functions.Activities;
using Loom.Functions.Api;
using Loom.Functions.Hosting;
using Loom.Functions.Orchestration;
using Loom.Functions.Scheduling;
using Loom.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Loom.Functions.Tests.Hosting;

/// <summary>
/// Loom's Function App on the real Durable runtime, as the Functions host would run it: the app's own DI wiring
/// (<see cref="LoomFunctionsBuilder.AddLoom(IServiceCollection, IConfiguration)"/>, over the shared <c>AddLoomServices</c>), the real orchestrator and activity
/// functions on the durabletask-dotnet worker (with the Functions worker's serializer) over a gRPC sidecar, and the HTTP
/// functions routed from their own <see cref="HttpTriggerAttribute"/>s on a Kestrel server at 127.0.0.1, behind a
/// function-key check like the host's.
/// </summary>
internal sealed class FunctionAppHost : ILoomHost
{
    /// <summary>The host's function key (any function key gets Loom's admin role unless listed with another).</summary>
    public const string FunctionKey = LoomTestServer.AdminKey;

    private readonly DurableSidecar _sidecar;
    private readonly GrpcChannel _channel;
    private readonly IHost _worker;
    private readonly WebApplication _front;

    private FunctionAppHost(DurableSidecar sidecar, GrpcChannel channel, IHost worker, WebApplication front, string baseUrl, IOrchestrationService service,
        System.Collections.Concurrent.ConcurrentQueue<(string InstanceId, string Name)> activitiesRun)
    {
        ActivitiesRun = activitiesRun;
        _sidecar = sidecar;
        _channel = channel;
        _worker = worker;
        _front = front;
        BaseUrl = baseUrl;
        Service = service;
        Client = NewClient(FunctionKey);
    }

    public string BaseUrl { get; }

    public HttpClient Client { get; }

    /// <summary>The Durable backend this app runs on.</summary>
    public IOrchestrationService Service { get; }

    /// <summary>The runtime's client, as <c>[DurableClient]</c> hands it to a function.</summary>
    public DurableTaskClient DurableClient => _worker.Services.GetRequiredService<DurableTaskClient>();

    /// <summary>The app's services.</summary>
    public IServiceProvider Services => _worker.Services;

    /// <summary>Every Loom activity the worker ran, in order, with its orchestration's instance id (re-deliveries included).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(string InstanceId, string Name)> ActivitiesRun { get; }

    /// <summary>Starts the app on a fresh backend from <paramref name="createService"/>, with Loom's tables under <paramref name="prefix"/>.</summary>
    /// <param name="azurite">Azurite for Loom's tables.</param>
    /// <param name="createService">The Durable backend.</param>
    /// <param name="prefix">Loom's table prefix.</param>
    /// <param name="settings">Loom configuration over the defaults here.</param>
    /// <param name="services">Service registrations after the app's own (the benchmark counts Loom's storage requests this way).</param>
    /// <param name="tasks">More orchestrations and activities for the same worker (the benchmark's plain-Durable baseline).</param>
    public static async Task<FunctionAppHost> StartAsync(
        AzuriteFixture azurite,
        Func<ILoggerFactory, Task<IOrchestrationService>> createService,
        string prefix,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        Action<Microsoft.DurableTask.DurableTaskRegistry>? tasks = null)
    {
        var loggerFactory = LoggerFactory.Create(l => l.SetMinimumLevel(LogLevel.Warning));
        var service = await createService(loggerFactory);
        var sidecar = await DurableSidecar.StartAsync(service, loggerFactory);
        var channel = GrpcChannel.ForAddress(sidecar.Address);

        IServiceProvider? appServices = null;
        DurableTaskClient? durableClient = null;
        var front = BuildFront(() => (appServices!, durableClient!));
        await front.StartAsync();
        var baseUrl = front.Urls.First();

        var config = new Dictionary<string, string?>
        {
            ["Loom:StorageConnectionString"] = azurite.ConnectionString,
            ["Loom:TablePrefix"] = prefix,
            ["Loom:FunctionKeyRole"] = "admin",
            ["Loom:ApiKeys:0:Key"] = LoomTestServer.OperatorKey,
            ["Loom:ApiKeys:0:Role"] = "operator",
            ["Loom:ApiKeys:0:Name"] = LoomTestServer.OperatorKeyName,
            ["Loom:ApiKeys:1:Key"] = LoomTestServer.ReaderKey,
            ["Loom:ApiKeys:1:Role"] = "reader",
            ["Loom:CallbackSigningKey"] = "test-callback-signing-key-0123456789",
            ["Loom:PublicBaseUrl"] = baseUrl,
            ["Loom:AllowLoopback"] = "true",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddLoom(builder.Configuration);
        services?.Invoke(builder.Services);
        var converter = WorkerSerializerConverter.FromWorkerDefaults();
        var activitiesRun = new System.Collections.Concurrent.ConcurrentQueue<(string InstanceId, string Name)>();
        T Ran<T>(Microsoft.DurableTask.TaskActivityContext context, T activity)
        {
            activitiesRun.Enqueue((context.InstanceId, context.Name.Name));
            return activity;
        }

        builder.Services.AddDurableTaskWorker(worker =>
        {
            worker.UseGrpc(channel);
            worker.AddTasks(registry =>
            {
                // As the Functions worker binds the orchestrator's input parameter: deserialized to its declared type by the data converter.
                registry.AddOrchestratorFunc<RunPayload<RunOrchestrationInput>, JsonElement>(RunOrchestratorFunction.Name, (context, input) => RunOrchestratorFunction.RunAsync(context, input));
                registry.AddActivityFunc<RunPayload<InvokeTaskInput>, RunPayload<InvokeTaskResult>>(DurableRunOrchestrator.InvokeTaskActivity,
                    (context, input) => Ran(context, Activate<InvokeTaskActivity>(appServices!)).RunAsync(input, Stopping(appServices!)));
                registry.AddActivityFunc<RunPayload<SaveRunInput>, RunPayload<SaveRunResult>>(DurableRunOrchestrator.SaveRunActivity,
                    (context, input) => Ran(context, Activate<SaveRunActivity>(appServices!)).RunAsync(input, Stopping(appServices!)));
                registry.AddActivityFunc<RunPayload<NotificationInput>, RunPayload<NotificationDelivery>>(DurableRunOrchestrator.NotifyActivity,
                    (context, input) => Ran(context, Activate<NotifyActivity>(appServices!)).RunAsync(input, Stopping(appServices!)));
                tasks?.Invoke(registry);
            });
        });
        builder.Services.AddDurableTaskClient(client =>
        {
            client.UseGrpc(channel);
            client.RegisterDirectly();
        });
        // As Worker.Extensions.DurableTask does: Durable serializes with the Functions worker's serializer.
        builder.Services.AddOptions<DurableTaskWorkerOptions>().PostConfigure(o => o.DataConverter = converter);
        builder.Services.AddOptions<DurableTaskClientOptions>().PostConfigure(o => o.DataConverter = converter);
        var worker = builder.Build();
        appServices = worker.Services;
        durableClient = worker.Services.GetRequiredService<DurableTaskClient>();
        await worker.StartAsync();
        return new FunctionAppHost(sidecar, channel, worker, front, baseUrl, service, activitiesRun);
    }

    /// <summary>One tick of the Timer function, as the Functions host fires it.</summary>
    public Task TickAsync() =>
        Activate<SchedulerFunction>(Services).RunAsync(new TimerInfo(), DurableClient, CancellationToken.None);

    public HttpClient NewClient(string? key)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null) client.DefaultRequestHeaders.Add("x-functions-key", key);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _front.StopAsync(stop.Token);
        await _front.DisposeAsync();
        await _worker.StopAsync(stop.Token);
        _worker.Dispose();
        await _channel.ShutdownAsync();
        _channel.Dispose();
        await _sidecar.DisposeAsync();
    }

    /// <summary>
    /// Ends the app the way a crash does, as far as a process can do it to itself: the sidecar goes first, so nothing in
    /// flight (activity results, orchestration episodes) is completed or handed back; the work items it had taken stay
    /// invisible on the queues until their visibility timeout. (Its backend stops too, which gives up the partition leases
    /// at once; a real crash leaves them to expire, 30 s by default.)
    /// </summary>
    public async Task KillAsync()
    {
        Client.Dispose();
        using var now = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await _sidecar.DisposeAsync(now.Token);
        // In a process that goes on living, the backend's own loops (lease renewal, queue polling) must be stopped
        // explicitly, or they would keep the partitions and take messages no one processes.
        await Service.StopAsync(isForced: true);
        await _front.StopAsync(now.Token);
        await _front.DisposeAsync();
        try
        {
            await _worker.StopAsync(now.Token);
        }
        catch (OperationCanceledException)
        {
        }

        _worker.Dispose();
        _channel.Dispose();
    }

    /// <summary>Functions creates a function class per invocation from the app's services.</summary>
    private static T Activate<T>(IServiceProvider services) => ActivatorUtilities.CreateInstance<T>(services);

    private static CancellationToken Stopping(IServiceProvider services) =>
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

    /// <summary>The app's classes holding HTTP functions.</summary>
    private static readonly Type[] HttpFunctionClasses = [typeof(LoomHttpFunctions), typeof(DashboardFunction)];

    /// <summary>
    /// The HTTP side of the Functions host: each HTTP function on its trigger's route (under host.json's route prefix) and
    /// methods, keys checked by auth level. As in the host, literal routes win over the dashboard's catch-all.
    /// </summary>
    private static WebApplication BuildFront(Func<(IServiceProvider Services, DurableTaskClient Client)> app)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var front = builder.Build();
        var keys = new HashSet<string>(StringComparer.Ordinal) { FunctionKey, LoomTestServer.OperatorKey, LoomTestServer.ReaderKey };
        var prefix = HostJsonSettings.RoutePrefix();
        foreach (var method in HttpFunctionClasses.SelectMany(c => c.GetMethods(BindingFlags.Public | BindingFlags.Instance)))
        {
            var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null);
            if (trigger is null) continue;
            var route = "/" + string.Join('/', new[] { prefix, trigger.Route }.Where(part => !string.IsNullOrEmpty(part)));
            front.MapMethods(route, trigger.Methods!.Select(m => m.ToUpperInvariant()), async context =>
            {
                if (trigger.AuthLevel != AuthorizationLevel.Anonymous && !HasKey(context.Request, keys))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }

                var (services, client) = app();
                var functions = ActivatorUtilities.CreateInstance(services, method.DeclaringType!);
                object?[] args = [.. method.GetParameters().Select(p => p.ParameterType == typeof(HttpRequest) ? context.Request : (object)client)];
                var result = method.Invoke(functions, args) switch
                {
                    Task<IActionResult> pending => await pending,
                    IActionResult done => done,
                    var other => throw new InvalidOperationException($"{method.Name} returned {other?.GetType().Name ?? "null"}"),
                };
                await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
            });
        }

        return front;
    }

    private static bool HasKey(HttpRequest request, HashSet<string> keys) =>
        (request.Headers.TryGetValue("x-functions-key", out var header) && keys.Contains(header.ToString()))
        || (request.Query.TryGetValue("code", out var code) && keys.Contains(code.ToString()));
}
