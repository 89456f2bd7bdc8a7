using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Engine;
using Loom.Core.Execution;
using Loom.Core.Orchestration;
using Loom.Functions.Tests.Hosting;

namespace Loom.Functions.Tests;

/// <summary>
/// Loom's payloads handed to Durable as <see cref="RunPayload{T}"/>: the Functions worker's own serializer writes them in one pass
/// exactly as it writes the <see cref="RunOrchestrationJson.ToPayload"/> element they replace, and reads them back in Loom's contract.
/// </summary>
public sealed class RunPayloadTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);
    private static readonly WorkerSerializerConverter Worker = WorkerSerializerConverter.FromWorkerDefaults();

    private static (WorkflowDefinition Workflow, RunState State, InvokeTask Command) Running()
    {
        static TaskDefinition Task(string id, params string[] dependsOn) => new()
        {
            Id = id,
            Url = $"http://backend/{id}?q=\"<&>\"é",
            DependsOn = dependsOn,
            Body = new JsonObject { ["text"] = "a \"quoted\" <tag> & ünïcode", ["n"] = 1.5 },
            Completion = id == "b" ? CompletionMode.Callback : CompletionMode.Sync,
        };

        var workflow = new WorkflowDefinition { Id = "wf", Tasks = [Task("a"), Task("b", "a"), Task("c", "a")] };
        var state = RunStateMachine.Apply(workflow, RunStateMachine.Create(workflow, 1, "run-1", null, T0, T0), new RunStarted(T0)).State;
        var done = RunStateMachine.Apply(workflow, state, new AttemptCompleted("a", 1, AttemptOutcome.Success(new JsonObject { ["x"] = "y\u2028z" }), T0.AddSeconds(1)));
        return (workflow, done.State, done.Commands.OfType<InvokeTask>().First(c => c.TaskId == "b"));
    }

    public static TheoryData<string> Payloads() => ["live", "invoke", "save", "input"];

    private static object Payload(string kind)
    {
        var (workflow, state, command) = Running();
        return kind switch
        {
            "live" => RunLiveStatus.From(state, 2),
            "invoke" => InvokeTaskInputs.Build(workflow, state, command),
            "save" => new SaveRunInput(state, [], [], null),
            _ => new RunOrchestrationInput(workflow, state, Generation: 3),
        };
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void WorkerSerializer_WritesThePayloadAsItsContractElement(string kind)
    {
        var value = Payload(kind);

        var viaElement = Worker.Serialize(RunOrchestrationJson.ToPayload(value))!;
        var direct = Worker.Serialize(new RunPayload<object>(value))!;

        // The same JSON as the element the payload replaces (that element's re-write escaped a date's '+' as \u002B; the
        // direct write does not), and exactly the text Loom's contract writes.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(viaElement), JsonNode.Parse(direct)), $"{viaElement}\n{direct}");
        Assert.Equal(JsonSerializer.Serialize(value, value.GetType(), RunOrchestrationJson.Options), direct);
        Assert.Contains("\"runId\"", direct, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerSerializer_ReadsThePayloadInTheContract()
    {
        var (workflow, state, command) = Running();
        var input = InvokeTaskInputs.Build(workflow, state, command);
        var json = Worker.Serialize(new RunPayload<object>(input))!;

        var read = (RunPayload<InvokeTaskInput>)Worker.Deserialize(json, typeof(RunPayload<InvokeTaskInput>))!;

        Assert.Equal(json, Worker.Serialize(new RunPayload<object>(read.Value)));
        Assert.Null(((RunPayload<InvokeTaskInput>)Worker.Deserialize("null", typeof(RunPayload<InvokeTaskInput>))!).Value);
    }

    [Fact]
    public void DeferredPayload_IsComputedOnlyWhenWritten_FromTheValueItWasLastGiven()
    {
        var (_, state, _) = Running();
        var made = 0;
        var payload = new RunPayload<RunLiveStatus>(() =>
        {
            made++;
            return RunLiveStatus.From(state, 1);
        });
        Assert.Equal(0, made);

        var json = Worker.Serialize(new RunPayload<object>(payload));

        Assert.Equal(1, made);
        Assert.Equal(JsonSerializer.Serialize(RunLiveStatus.From(state, 1), RunOrchestrationJson.Options), json);
        using var document = JsonDocument.Parse(json!);
        Assert.Equal("running", document.RootElement.GetProperty("status").GetString());
    }
}
