using System.Reflection;
using Loom.Functions.Hosting;
using Loom.Hosting;
using Loom.Server.Hosting;
using Loom.Storage;
using Microsoft.Extensions.Logging;

namespace Loom.Functions.Tests;

/// <summary>
/// Every [LoggerMessage] event id is used once across Loom's assemblies, so an id found in a log or an alert names one message
/// whichever host wrote it (this project references both hosts and everything under them).
/// </summary>
public sealed class LogEventIdsTests
{
    private static readonly Assembly[] LoomAssemblies =
    [
        typeof(Loom.Core.Api.LoomApi).Assembly,
        typeof(LoomStorageAccount).Assembly,
        typeof(LoomOptions).Assembly,
        typeof(LoomServerHost).Assembly,
        typeof(LoomFunctionsBuilder).Assembly,
    ];

    [Fact]
    public void LoggerMessages_AcrossLoomAssemblies_EachEventIdIsUsedOnce()
    {
        var messages = LoggerMessages().ToList();

        var duplicates = messages.GroupBy(m => m.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}")
            .ToList();
        Assert.True(duplicates.Count == 0, "Event ids used more than once: " + string.Join("; ", duplicates));
        // The reflection must see the messages at all, or the check above would pass on nothing.
        Assert.Contains(messages, m => m.Method == "Loom.Server.Log.Finished");
        Assert.Contains(messages, m => m.Method == "Loom.Functions.Log.Ticked");
        Assert.Contains(messages, m => m.Method == "Loom.Hosting.Log.ApiFailed");
    }

    [Fact]
    public void LoggerMessages_EachProject_DeclaresThemInItsOneLogClass()
    {
        var elsewhere = LoggerMessages().Where(m => !m.Method.EndsWith($".Log.{m.Name}", StringComparison.Ordinal)).Select(m => m.Method).ToList();

        Assert.True(elsewhere.Count == 0, "[LoggerMessage] outside the project's Log class: " + string.Join(", ", elsewhere));
    }

    private static IEnumerable<(int EventId, string Method, string Name)> LoggerMessages() =>
        from assembly in LoomAssemblies
        from type in assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select (attribute.EventId, $"{type.FullName}.{method.Name}", method.Name);
}
