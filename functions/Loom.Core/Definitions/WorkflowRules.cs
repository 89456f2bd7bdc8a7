using Loom.Core.Templating;
using YamlDotNet.RepresentationModel;

namespace Loom.Core.Definitions;

/// <summary>Checks that span tasks (ids, dependencies, cycles, template references) and merges defaults into the final definition.</summary>
internal static class WorkflowRules
{
    /// <summary>Reports duplicate ids, bad dependencies, cycles and bad template references.</summary>
    public static void Check(WorkflowSyntax workflow, WorkflowReader report)
    {
        var byId = new Dictionary<string, TaskSyntax>(StringComparer.Ordinal);
        foreach (var task in workflow.Tasks)
        {
            if (task.Id is null || task.IdNode is null)
            {
                continue;
            }

            if (byId.TryGetValue(task.Id, out var first))
            {
                report.Error(task.IdNode, $"duplicate task id '{task.Id}' (first declared at line {first.IdNode!.Start.Line})", task.Path + ".id");
            }
            else
            {
                byId[task.Id] = task;
            }
        }

        // Edges of the graph: for each task (first declaration of an id), the known dependencies it waits for.
        var edges = new Dictionary<string, List<(string Id, YamlNode Node)>>(StringComparer.Ordinal);
        foreach (var task in workflow.Tasks)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var known = new List<(string, YamlNode)>();
            foreach (var (dependency, node) in task.DependsOn)
            {
                if (!seen.Add(dependency))
                {
                    report.Error(node, $"'{dependency}' is listed twice in dependsOn", task.Path + ".dependsOn");
                }
                else if (dependency == task.Id)
                {
                    report.Error(node, $"task '{task.Id}' depends on itself", task.Path + ".dependsOn");
                }
                else if (!byId.ContainsKey(dependency))
                {
                    var suggestion = report.Suggest(dependency, byId.Keys);
                    report.Error(node, suggestion is null
                        ? $"unknown dependency '{YamlValues.Shorten(dependency)}': no task has this id"
                        : $"unknown dependency '{YamlValues.Shorten(dependency)}'; did you mean '{suggestion}'?", task.Path + ".dependsOn");
                }
                else
                {
                    known.Add((dependency, node));
                }
            }

            if (task.Id is not null && byId.TryGetValue(task.Id, out var declared) && ReferenceEquals(declared, task))
            {
                edges[task.Id] = known;
            }
        }

        var graph = new DependencyGraph(edges.Select(e => (e.Key, (IReadOnlyList<(string, YamlNode)>)e.Value)));
        foreach (var (flow, closingEntry) in graph.Cycles())
        {
            var task = byId[flow[0]];
            report.Error(closingEntry, $"cycle: {string.Join(" -> ", flow)}", task.Path + ".dependsOn");
        }

        CheckTemplates(workflow, byId, graph, report);
        CheckConditions(workflow, byId, graph, report);
    }

    /// <summary>Builds the definition with defaults merged field by field; reports the few errors only visible after merging.</summary>
    public static WorkflowDefinition Build(WorkflowSyntax workflow, WorkflowReader report)
    {
        var defaults = workflow.Defaults;
        var tasks = new List<TaskDefinition>(workflow.Tasks.Count);
        foreach (var task in workflow.Tasks)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in defaults.Headers.Concat(task.Headers))
            {
                headers[header.Name] = header.Value;
            }

            tasks.Add(new TaskDefinition
            {
                Id = task.Id ?? string.Empty,
                Type = task.Type ?? TaskTypes.Http,
                When = task.When,
                WaitDuration = task.WaitDuration,
                WaitUntil = task.WaitUntil,
                Method = task.Method ?? defaults.Method ?? "POST",
                Url = task.Url ?? string.Empty,
                Headers = headers,
                Body = task.Body,
                DependsOn = task.DependsOn.Select(d => d.Id).ToList(),
                Trigger = task.Trigger ?? TriggerRule.AllSuccess,
                Retry = MergeRetry(task, defaults.Retry, report),
                Timeout = task.Timeout ?? defaults.Timeout ?? TimeSpan.FromSeconds(30),
                AllowFailure = task.AllowFailure ?? false,
                Completion = task.Completion ?? CompletionMode.Sync,
                CallbackTimeout = task.CallbackTimeout ?? TimeSpan.FromHours(1),
                CircuitBreaker = task.Type == TaskTypes.Wait ? null : MergeCircuitBreaker(task.CircuitBreaker, defaults.CircuitBreaker),
                Sla = task.Sla,
                ForEach = task.ForEach,
                MaxParallel = task.MaxParallel ?? ForEachInstances.DefaultMaxParallel,
            });
        }

        return new WorkflowDefinition
        {
            Id = workflow.Id ?? string.Empty,
            Name = workflow.Name ?? workflow.Id,
            Description = workflow.Description,
            Tags = workflow.Tags.ToList(),
            Schedule = workflow.Schedule,
            Params = workflow.Params,
            Tasks = tasks,
            FailFast = workflow.FailFast ?? false,
            Timeout = workflow.Timeout,
            SigningSecret = workflow.SigningSecret,
            Notify = workflow.Notify,
            Sla = workflow.Sla,
            RetentionDays = workflow.RetentionDays,
            Triggers = workflow.Triggers,
        };
    }

    /// <summary>The task's circuit breaker: its own fields over the defaults' fields over <see cref="CircuitBreakerPolicy.Default"/>; null when neither names one.</summary>
    private static CircuitBreakerPolicy? MergeCircuitBreaker(CircuitBreakerSyntax? own, CircuitBreakerSyntax? defaults) =>
        own is null && defaults is null ? null : new CircuitBreakerPolicy
        {
            Failures = own?.Failures ?? defaults?.Failures ?? CircuitBreakerPolicy.Default.Failures,
            Window = own?.Window ?? defaults?.Window ?? CircuitBreakerPolicy.Default.Window,
            OpenFor = own?.OpenFor ?? defaults?.OpenFor ?? CircuitBreakerPolicy.Default.OpenFor,
        };

    private static RetryPolicy MergeRetry(TaskSyntax task, RetrySyntax defaults, WorkflowReader report)
    {
        var own = task.Retry;
        var delay = own.Delay ?? defaults.Delay;
        var maxDelay = own.MaxDelay ?? defaults.MaxDelay;

        // A bound nobody wrote follows the one that was written, so "delay: 2m" alone is not an error against the implicit 1m cap.
        if (delay is null && maxDelay is not null)
        {
            delay = maxDelay < RetryPolicy.Default.Delay ? maxDelay : RetryPolicy.Default.Delay;
        }
        else if (delay is not null && maxDelay is null)
        {
            maxDelay = delay > RetryPolicy.Default.MaxDelay ? delay : RetryPolicy.Default.MaxDelay;
        }
        else if (delay > maxDelay && (own.Delay is not null || own.MaxDelay is not null) && !(own.Delay is not null && own.MaxDelay is not null))
        {
            // Both in the task's own block was reported when it was read; here one side comes from defaults.
            var node = own.MaxDelayNode ?? own.DelayNode!;
            report.Error(node, $"retry 'delay' ({Durations.Format(delay.Value)}) is longer than 'maxDelay' ({Durations.Format(maxDelay!.Value)}) once defaults are applied", task.Path + ".retry");
        }

        return new RetryPolicy
        {
            MaxAttempts = own.MaxAttempts ?? defaults.MaxAttempts ?? RetryPolicy.Default.MaxAttempts,
            Backoff = own.Backoff ?? defaults.Backoff ?? RetryPolicy.Default.Backoff,
            Delay = delay ?? RetryPolicy.Default.Delay,
            MaxDelay = maxDelay ?? RetryPolicy.Default.MaxDelay,
            Jitter = own.Jitter ?? defaults.Jitter ?? RetryPolicy.Default.Jitter,
            RetryOn = own.RetryOn ?? defaults.RetryOn ?? RetryPolicy.Default.RetryOn,
        };
    }

    private static void CheckTemplates(WorkflowSyntax workflow, Dictionary<string, TaskSyntax> byId, DependencyGraph graph, WorkflowReader report)
    {
        foreach (var use in workflow.Defaults.Templates)
        {
            CheckUse(use, owner: null, graph, workflow, byId, report);
        }

        foreach (var task in workflow.Tasks)
        {
            foreach (var use in task.Templates)
            {
                CheckUse(use, task, graph, workflow, byId, report);
                if (use.Path == task.Path + ".url")
                {
                    // A default that is a task's host, port or base URL is checked as a literal URL is, here rather than at each run.
                    foreach (var error in HttpTaskUrls.CheckParams(use.Text, name => workflow.Params.GetValueOrDefault(name)))
                    {
                        report.Error(use.Node, $"the default of {error}", use.Path);
                    }
                }
            }
        }
    }

    private static void CheckUse(TemplateUse use, TaskSyntax? owner, DependencyGraph graph, WorkflowSyntax workflow, Dictionary<string, TaskSyntax> byId, WorkflowReader report)
    {
        var references = TemplateEngine.FindReferences(use.Text);
        for (var i = 0; i < references.Count; i++)
        {
            var reference = references[i];
            var error = reference.Error is not null
                ? $"invalid template '${{{{ {YamlValues.Shorten(reference.Expression)} }}}}': {reference.Error}"
                : reference.Root switch
                {
                    "params" when !workflow.Params.ContainsKey(reference.Name!) => UndeclaredParam(reference.Name!, workflow, report),
                    "tasks" when owner is null => "defaults cannot refer to task outputs; put this header on the tasks that need it",
                    "item" or "index" when owner is null => $"defaults cannot use '{reference.Root}'; put this header on the forEach tasks that need it",
                    "tasks" when !byId.ContainsKey(reference.Name!) => UnknownTask(reference.Name!, byId, report),
                    "tasks" when owner.Id is not null && !graph.IsUpstream(owner.Id, reference.Name!) =>
                        $"template refers to task '{reference.Name}', which is not upstream of '{owner.Id}'; add '{reference.Name}' to its dependsOn",
                    _ => null,
                };
            if (error is not null)
            {
                report.ErrorInScalar(use.Node, i, error, use.Path);
            }
        }
    }

    /// <summary>Checks each condition's paths (declared params, upstream tasks) and its types, at the condition's line and column.</summary>
    private static void CheckConditions(WorkflowSyntax workflow, Dictionary<string, TaskSyntax> byId, DependencyGraph graph, WorkflowReader report)
    {
        foreach (var task in workflow.Tasks)
        {
            if (task.Condition is not { } condition || task.WhenNode is not { } node)
            {
                continue;
            }

            var path = task.Path + ".when";
            foreach (var (offset, segments) in condition.Paths)
            {
                var name = segments[1];
                var error = segments[0] switch
                {
                    "params" when !workflow.Params.ContainsKey(name) => UndeclaredParam(name, workflow, report).Replace("template", "condition", StringComparison.Ordinal),
                    "tasks" when !byId.ContainsKey(name) => UnknownTask(name, byId, report).Replace("template", "condition", StringComparison.Ordinal),
                    "tasks" when task.Id is not null && !graph.IsUpstream(task.Id, name) =>
                        $"condition refers to task '{name}', which is not upstream of '{task.Id}'; add '{name}' to its dependsOn",
                    _ => null,
                };
                if (error is not null)
                {
                    report.ErrorInCondition(node, offset, error, path);
                }
            }

            // A parameter's default fixes its kind; a run may override it, but with a value of the same kind.
            var typeErrors = condition.Check(segments =>
                segments is ["params", var p] && workflow.Params.GetValueOrDefault(p) is { } value ? value.GetValueKind() : null);
            foreach (var error in typeErrors)
            {
                report.ErrorInCondition(node, error.Offset, $"invalid condition: {error.Message}", path);
            }
        }
    }

    private static string UndeclaredParam(string name, WorkflowSyntax workflow, WorkflowReader report)
    {
        var suggestion = report.Suggest(name, workflow.Params.Keys);
        return suggestion is null
            ? $"template refers to undeclared parameter '{name}'; declare it under 'params'"
            : $"template refers to undeclared parameter '{name}'; did you mean '{suggestion}'?";
    }

    private static string UnknownTask(string id, Dictionary<string, TaskSyntax> byId, WorkflowReader report)
    {
        var suggestion = report.Suggest(id, byId.Keys);
        return suggestion is null
            ? $"template refers to unknown task '{id}'"
            : $"template refers to unknown task '{id}'; did you mean '{suggestion}'?";
    }
}
