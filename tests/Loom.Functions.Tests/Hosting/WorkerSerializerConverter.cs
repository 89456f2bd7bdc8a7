using System.Text;
using Azure.Core.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Loom.Functions.Tests.Hosting;

/// <summary>
/// The Durable data converter a Function App runs with: Worker.Extensions.DurableTask hands Durable the Functions worker's
/// <see cref="WorkerOptions.Serializer"/>, so this converter does the same over the serializer the worker configures.
/// </summary>
internal sealed class WorkerSerializerConverter(ObjectSerializer serializer) : DataConverter
{
    /// <summary>The converter over the serializer of a Functions worker configured with its defaults.</summary>
    public static WorkerSerializerConverter FromWorkerDefaults()
    {
        var services = new ServiceCollection();
        services.AddFunctionsWorkerCore();
        using var provider = services.BuildServiceProvider();
        var serializer = provider.GetRequiredService<IOptions<WorkerOptions>>().Value.Serializer
            ?? throw new InvalidOperationException("The Functions worker configured no serializer.");
        return new WorkerSerializerConverter(serializer);
    }

    public override string? Serialize(object? value) =>
        value is null ? null : serializer.Serialize(value, value.GetType(), default).ToString();

    public override object? Deserialize(string? data, Type targetType)
    {
        if (data is null) return null;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(data), writable: false);
        return serializer.Deserialize(stream, targetType, default);
    }
}
