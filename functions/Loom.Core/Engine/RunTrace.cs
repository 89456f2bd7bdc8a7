using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Loom.Core.Engine;

/// <summary>
/// A run's trace context, chosen when the run starts and kept in its state: the trace every span of the run belongs to and the
/// id of the run's own span, so spans recorded later (by another process, after a crash, in a later Durable generation) join it.
/// </summary>
/// <param name="TraceId">W3C trace id (32 lower-case hex digits).</param>
/// <param name="SpanId">Id of the run's span (16 lower-case hex digits).</param>
/// <param name="ParentSpanId">The span that started the run (an API call carrying <c>traceparent</c>), when there was one.</param>
public sealed record RunTrace(string TraceId, string SpanId, string? ParentSpanId = null)
{
    /// <summary>
    /// A new trace context: inside a recorded operation (an API request traced by OpenTelemetry, or carrying a sampled
    /// <c>traceparent</c>) the run joins that trace, its span a child of the operation's; otherwise a new random trace.
    /// </summary>
    /// <remarks>
    /// An activity nobody records (ASP.NET Core makes one per request for its own diagnostics) is not joined: the run's span
    /// would name a parent no backend ever receives.
    /// </remarks>
    public static RunTrace New()
    {
        var spanId = ActivitySpanId.CreateRandom().ToHexString();
        return Activity.Current is { IdFormat: ActivityIdFormat.W3C, Recorded: true } current
            ? new RunTrace(current.TraceId.ToHexString(), spanId, current.SpanId.ToHexString())
            : new RunTrace(ActivityTraceId.CreateRandom().ToHexString(), spanId);
    }

    /// <summary>The run with a trace context: its own when it has one, else a new one (<see cref="New"/>); drivers call this as they start a run.</summary>
    /// <param name="run">The run about to start.</param>
    public static Engine.RunState Assign(Engine.RunState run) => run.Trace is null ? run with { Trace = New() } : run;

    /// <summary>
    /// The span id of a task within the run: derived from the run's context and the task id, so every process and every
    /// generation names the same task span without storing it (its attempts are its children before the span itself is recorded).
    /// A redrive runs the task again under a new span: <paramref name="attemptBase"/> (the attempts it had when redriven) tells them apart.
    /// </summary>
    /// <param name="taskId">Task id.</param>
    /// <param name="attemptBase">The task's attempt count when it was last redriven; 0 for a task never redriven.</param>
    public string TaskSpanId(string taskId, int attemptBase = 0)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(attemptBase == 0 ? $"{TraceId}/{SpanId}/{taskId}" : $"{TraceId}/{SpanId}/{taskId}/{attemptBase}"), hash);
        // An all-zero span id is invalid in W3C trace context.
        if (!hash[..8].ContainsAnyExcept((byte)0)) hash[7] = 1;
        return ActivitySpanId.CreateFromBytes(hash[..8]).ToHexString();
    }

    /// <summary>The run span's context, as the parent of task spans.</summary>
    internal ActivityContext RunContext => new(ActivityTraceId.CreateFromString(TraceId), ActivitySpanId.CreateFromString(SpanId), ActivityTraceFlags.Recorded);

    /// <summary>A task span's context, as the parent of the task's attempt spans.</summary>
    internal ActivityContext TaskContext(string taskId, int attemptBase = 0) =>
        new(ActivityTraceId.CreateFromString(TraceId), ActivitySpanId.CreateFromString(TaskSpanId(taskId, attemptBase)), ActivityTraceFlags.Recorded);

    /// <summary>True when both ids are well-formed W3C ids (a stored state is not trusted blindly).</summary>
    internal bool IsValid =>
        TraceId.Length == 32 && SpanId.Length == 16 && IsHex(TraceId) && IsHex(SpanId) && TraceId.Any(c => c != '0') && SpanId.Any(c => c != '0')
        && (ParentSpanId is null || (ParentSpanId.Length == 16 && IsHex(ParentSpanId)));

    private static bool IsHex(string text) => text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
