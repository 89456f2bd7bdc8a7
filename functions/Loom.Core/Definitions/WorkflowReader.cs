using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Loom.Core.Templating;
using Loom.Core.Text;
using YamlDotNet.RepresentationModel;

namespace Loom.Core.Definitions;

/// <summary>Reads a workflow's YAML nodes into <see cref="WorkflowSyntax"/>, reporting every field-level error with its position.</summary>
internal sealed partial class WorkflowReader(string source, ValidationErrorList errors)
{
    /// <summary>Most tasks in one workflow.</summary>
    public const int MaxTasks = 1000;

    /// <summary>Most tags of one workflow.</summary>
    public const int MaxTags = 100;

    /// <summary>Most entries of a task's <c>retryOn</c> list (there are six names; repeating them adds nothing).</summary>
    public const int MaxRetryOn = 16;

    private static readonly string[] WorkflowFields = ["id", "name", "description", "tags", "schedule", "defaults", "params", "tasks", "failFast", "timeout", "signingSecret", "notify", "sla", "retentionDays", "triggers"];
    private static readonly string[] ScheduleFields = ["cron", "timezone", "catchup", "maxCatchup", "concurrency", "maxActiveRuns", "start", "end"];
    private static readonly string[] DefaultsFields = ["retry", "timeout", "headers", "method", "circuitBreaker"];
    private static readonly string[] TaskFields = ["id", "type", "method", "url", "headers", "body", "dependsOn", "trigger", "retry", "timeout", "allowFailure", "completion", "callbackTimeout", "when", "duration", "until", "circuitBreaker", "sla", "forEach", "maxParallel"];
    private static readonly string[] HttpOnlyFields = ["method", "url", "headers", "body", "retry", "timeout", "completion", "callbackTimeout", "circuitBreaker"];
    private static readonly string[] NotifyFields = ["onFailure", "onSuccess", "onSlaMiss"];
    private static readonly string[] RetryFields = ["maxAttempts", "backoff", "delay", "maxDelay", "jitter", "retryOn"];
    private static readonly string[] CircuitBreakerFields = ["failures", "window", "openFor"];
    private static readonly HashSet<string> HostDependentZones = new(["localtime", "posixrules", "Factory"], StringComparer.OrdinalIgnoreCase);
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    private static readonly (string Name, CatchupPolicy Value)[] CatchupNames = [("none", CatchupPolicy.None), ("latest", CatchupPolicy.Latest), ("all", CatchupPolicy.All)];
    private static readonly (string Name, ConcurrencyPolicy Value)[] ConcurrencyNames = [("allow", ConcurrencyPolicy.Allow), ("forbid", ConcurrencyPolicy.Forbid), ("replace", ConcurrencyPolicy.Replace)];
    private static readonly (string Name, BackoffKind Value)[] BackoffNames = [("fixed", BackoffKind.Fixed), ("linear", BackoffKind.Linear), ("exponential", BackoffKind.Exponential)];
    private static readonly (string Name, CompletionMode Value)[] CompletionNames = [("sync", CompletionMode.Sync), ("callback", CompletionMode.Callback)];

    private static readonly (string Name, TriggerRule Value)[] TriggerNames =
    [
        ("all_success", TriggerRule.AllSuccess), ("all_done", TriggerRule.AllDone), ("all_failed", TriggerRule.AllFailed),
        ("one_success", TriggerRule.OneSuccess), ("one_failed", TriggerRule.OneFailed), ("none_failed", TriggerRule.NoneFailed),
    ];

    private static readonly (string Name, RetryOn Value)[] RetryOnNames =
    [
        ("5xx", RetryOn.ServerError), ("429", RetryOn.TooManyRequests), ("408", RetryOn.RequestTimeout),
        ("4xx", RetryOn.ClientError), ("timeout", RetryOn.Timeout), ("network", RetryOn.Network),
    ];

    private int nodeBudget = YamlValues.MaxNodes;

    /// <summary>Why a literal notification URL is refused beyond its shape (the SSRF guard's always-refused addresses); null for no such check.</summary>
    public Func<string, string?>? UrlRefusal { get; init; }

    /// <summary>Reads the root node; null when the root is not a mapping.</summary>
    public WorkflowSyntax? Read(YamlNode root)
    {
        if (root is not YamlMappingNode map)
        {
            Error(root, $"a workflow must be a mapping with 'id' and 'tasks', not {YamlValues.KindOf(root)}");
            return null;
        }

        var workflow = new WorkflowSyntax { Node = map };
        YamlNode? tasksNode = null;
        var idSeen = false;
        foreach (var (name, value) in Fields(map, WorkflowFields, "workflow", null))
        {
            switch (name)
            {
                case "id":
                    idSeen = true;
                    workflow.Id = Text(value, name, name);
                    if (workflow.Id is null)
                    {
                        Error(value, "'id' must not be empty", name);
                    }
                    else if (!WorkflowIdPattern().IsMatch(workflow.Id))
                    {
                        Error(value, $"invalid workflow id '{YamlValues.Shorten(workflow.Id)}': use 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit", name);
                    }

                    break;
                case "name":
                    workflow.Name = Text(value, name, name);
                    break;
                case "description":
                    workflow.Description = Text(value, name, name);
                    break;
                case "tags":
                    foreach (var (tag, _) in TextList(value, name, name, allowSingle: false, MaxTags))
                    {
                        workflow.Tags.Add(tag);
                    }

                    break;
                case "schedule":
                    workflow.Schedule = ReadSchedule(value);
                    break;
                case "defaults":
                    workflow.Defaults = ReadDefaults(value);
                    break;
                case "params":
                    ReadParams(value, workflow.Params);
                    break;
                case "tasks":
                    tasksNode = value;
                    break;
                case "failFast":
                    workflow.FailFast = Bool(value, name, name);
                    break;
                case "timeout":
                    workflow.Timeout = Duration(value, name, name, TimeSpan.FromMilliseconds(1), Durations.Max);
                    break;
                case "signingSecret":
                    workflow.SigningSecret = Text(value, name, name);
                    if (workflow.SigningSecret is not null && !SecretNamePattern().IsMatch(workflow.SigningSecret))
                    {
                        Error(value, $"invalid secret name '{YamlValues.Shorten(workflow.SigningSecret)}': use letters, digits, '_' and '-', starting with a letter or '_'", name);
                    }

                    break;
                case "notify":
                    workflow.Notify = ReadNotify(value);
                    break;
                case "sla":
                    workflow.Sla = Duration(value, name, name, TimeSpan.FromSeconds(1), Durations.Max);
                    break;
                case "retentionDays":
                    workflow.RetentionDays = Integer(value, name, 0, WorkflowDefinition.MaxRetentionDays, name);
                    break;
                case "triggers":
                    workflow.Triggers = ReadTriggers(value);
                    break;
            }
        }

        if (!idSeen)
        {
            Error(map, "missing required field 'id'");
        }

        if (tasksNode is null)
        {
            Error(map, "missing required field 'tasks'");
        }
        else
        {
            ReadTasks(tasksNode, workflow);
        }

        return workflow;
    }

    private ScheduleSpec? ReadSchedule(YamlNode node)
    {
        const string path = "schedule";
        if (YamlValues.IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode)
        {
            var cron = Cron(node, path);
            return cron is null ? null : new ScheduleSpec { Cron = cron };
        }

        if (node is not YamlMappingNode map)
        {
            WrongType(node, "schedule", "a cron expression or a mapping with 'cron'", path);
            return null;
        }

        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (name, value) in Fields(map, ScheduleFields, "schedule", path))
        {
            values[name] = value;
        }

        string? cronText = null;
        var ok = true;
        if (!values.TryGetValue("cron", out var cronNode) || YamlValues.IsNull(cronNode))
        {
            Error(map, "missing required field 'cron' in 'schedule'", path);
            ok = false;
        }
        else
        {
            cronText = Cron(cronNode, path + ".cron");
            ok &= cronText is not null;
        }

        var zoneName = "UTC";
        TimeZoneInfo zone = TimeZoneInfo.Utc;
        if (values.TryGetValue("timezone", out var zoneNode) && Text(zoneNode, "timezone", path + ".timezone") is { } zoneText)
        {
            if (HostDependentZones.Contains(zoneText))
            {
                Error(zoneNode, $"time zone '{zoneText}' depends on the machine Loom runs on; use an IANA name such as 'Europe/Paris' or 'UTC'", path + ".timezone");
                ok = false;
            }
            else if (TimeZoneInfo.TryFindSystemTimeZoneById(zoneText, out var found))
            {
                zoneName = zoneText;
                zone = found;
            }
            else
            {
                var suggestion = Suggest(zoneText, TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id));
                Error(zoneNode, suggestion is null
                    ? $"unknown time zone '{YamlValues.Shorten(zoneText)}'; use an IANA name such as 'Europe/Paris' or 'UTC'"
                    : $"unknown time zone '{YamlValues.Shorten(zoneText)}'; did you mean '{suggestion}'?", path + ".timezone");
                ok = false;
            }
        }

        var spec = new ScheduleSpec { Cron = cronText ?? string.Empty, Timezone = zoneName };
        if (values.TryGetValue("catchup", out var catchup) && Enum(catchup, "catchup", CatchupNames, path + ".catchup") is { } catchupValue)
        {
            spec = spec with { Catchup = catchupValue };
        }

        if (values.TryGetValue("maxCatchup", out var maxCatchup) && Integer(maxCatchup, "maxCatchup", 1, 1000, path + ".maxCatchup") is { } maxCatchupValue)
        {
            spec = spec with { MaxCatchup = maxCatchupValue };
        }

        if (values.TryGetValue("concurrency", out var concurrency) && Enum(concurrency, "concurrency", ConcurrencyNames, path + ".concurrency") is { } concurrencyValue)
        {
            spec = spec with { Concurrency = concurrencyValue };
        }

        if (values.TryGetValue("maxActiveRuns", out var maxActive) && Integer(maxActive, "maxActiveRuns", 1, 1000, path + ".maxActiveRuns") is { } maxActiveValue)
        {
            spec = spec with { MaxActiveRuns = maxActiveValue };
        }

        if (values.TryGetValue("start", out var startNode))
        {
            spec = spec with { Start = Instant(startNode, "start", zone, path + ".start") };
        }

        if (values.TryGetValue("end", out var endNode))
        {
            spec = spec with { End = Instant(endNode, "end", zone, path + ".end") };
        }

        if (spec is { Start: { } start, End: { } end } && end <= start)
        {
            Error(endNode!, "'end' must be later than 'start'", path + ".end");
        }

        return ok ? spec : null;
    }

    private string? Cron(YamlNode node, string path)
    {
        var text = Text(node, "cron", path);
        if (text is null)
        {
            return null;
        }

        if (CronExpressions.TryParse(text, out var normalized, out var error) is null)
        {
            Error(node, error!, path);
            return null;
        }

        return normalized;
    }

    private DateTimeOffset? Instant(YamlNode node, string field, TimeZoneInfo zone, string path)
    {
        var text = Text(node, field, path);
        if (text is null)
        {
            return null;
        }

        const DateTimeStyles styles = DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.RoundtripKind;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, styles, out var local))
        {
            Error(node, $"'{field}' must be an ISO-8601 date or time such as 2026-01-31 or 2026-01-31T08:00:00Z, not '{YamlValues.Shorten(text)}'", path);
            return null;
        }

        // Without an offset, a time is read in the schedule's time zone, as a cron expression is.
        if (local.Kind == DateTimeKind.Unspecified)
        {
            return new DateTimeOffset(local, zone.GetUtcOffset(local));
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var instant)
            ? instant.ToUniversalTime()
            : new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero);
    }

    /// <summary>Reads <c>notify:</c>: a list of URLs (or one URL) per outcome, each checked as <see cref="NotifyUrls"/> says.</summary>
    private NotifySpec? ReadNotify(YamlNode node)
    {
        if (YamlValues.IsNull(node))
        {
            return null;
        }

        if (node is not YamlMappingNode map)
        {
            WrongType(node, "notify", "a mapping with onFailure, onSuccess or onSlaMiss", "notify");
            return null;
        }

        var spec = new NotifySpec();
        foreach (var (name, value) in Fields(map, NotifyFields, "notify", "notify"))
        {
            var path = "notify." + name;
            var urls = new List<string>();
            foreach (var (url, urlNode) in TextList(value, name, path, allowSingle: true, NotifySpec.MaxUrls))
            {
                if ((NotifyUrls.Check(url) ?? (NotifyUrls.SecretName(url) is null ? UrlRefusal?.Invoke(url) : null)) is { } error)
                {
                    Error(urlNode, error, path);
                }
                else
                {
                    urls.Add(url);
                }
            }

            spec = name switch
            {
                "onFailure" => spec with { OnFailure = urls },
                "onSuccess" => spec with { OnSuccess = urls },
                _ => spec with { OnSlaMiss = urls },
            };
        }

        return spec;
    }

    private DefaultsSyntax ReadDefaults(YamlNode node)
    {
        var defaults = new DefaultsSyntax();
        if (YamlValues.IsNull(node))
        {
            return defaults;
        }

        if (node is not YamlMappingNode map)
        {
            WrongType(node, "defaults", "a mapping", "defaults");
            return defaults;
        }

        foreach (var (name, value) in Fields(map, DefaultsFields, "defaults", "defaults"))
        {
            var path = "defaults." + name;
            switch (name)
            {
                case "retry":
                    defaults.Retry = ReadRetry(value, path);
                    break;
                case "timeout":
                    defaults.Timeout = Duration(value, name, path, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
                    break;
                case "method":
                    defaults.Method = Method(value, path);
                    break;
                case "headers":
                    ReadHeaders(value, path, defaults.Headers, defaults.Templates);
                    break;
                case "circuitBreaker":
                    defaults.CircuitBreaker = ReadCircuitBreaker(value, path);
                    break;
            }
        }

        return defaults;
    }

    private void ReadParams(YamlNode node, Dictionary<string, JsonNode?> into)
    {
        if (YamlValues.IsNull(node))
        {
            return;
        }

        if (node is not YamlMappingNode map)
        {
            WrongType(node, "params", "a mapping of parameter names to default values", "params");
            return;
        }

        foreach (var (keyNode, value) in map.Children)
        {
            var name = NameOf(keyNode, "params");
            if (name is null)
            {
                continue;
            }

            if (!ParamNamePattern().IsMatch(name))
            {
                Error(keyNode, $"invalid parameter name '{YamlValues.Shorten(name)}': use letters, digits, '_' and '-', starting with a letter or '_'", "params");
                continue;
            }

            into[name] = Json(value, null, "params." + name);
        }

        var size = new JsonObject(into.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString().Length;
        if (size > RunParameters.MaxChars)
        {
            Error(node, string.Create(CultureInfo.InvariantCulture,
                $"parameter defaults take {size:N0} characters as JSON; a run takes at most {RunParameters.MaxChars:N0} (they go into every task call and the run's state): pass large data by reference"), "params");
        }
    }

    private void ReadTasks(YamlNode node, WorkflowSyntax workflow)
    {
        if (node is not YamlSequenceNode list)
        {
            WrongType(node, "tasks", "a list of tasks", "tasks");
            return;
        }

        if (list.Children.Count == 0)
        {
            Error(list, "'tasks' must list at least one task", "tasks");
            return;
        }

        if (list.Children.Count > MaxTasks)
        {
            Error(list, $"a workflow has at most {MaxTasks} tasks; this one has {list.Children.Count}", "tasks");
            return;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            if (ReadTask(list.Children[i], i) is { } task)
            {
                workflow.Tasks.Add(task);
            }
        }
    }

    private TaskSyntax? ReadTask(YamlNode node, int index)
    {
        if (node is not YamlMappingNode map)
        {
            WrongType(node, $"tasks[{index}]", "a mapping with 'id' and 'url'", $"tasks[{index}]");
            return null;
        }

        var task = new TaskSyntax { Node = map, Index = index };
        YamlNode? urlNode = null;
        foreach (var (name, value) in Fields(map, TaskFields, "task", task.Path))
        {
            var path = $"{task.Path}.{name}";
            if (HttpOnlyFields.Contains(name, StringComparer.Ordinal))
            {
                task.HttpOnly.Add((name, value));
            }

            switch (name)
            {
                case "id":
                    task.IdNode = value;
                    task.Id = Text(value, name, path);
                    if (task.Id is null)
                    {
                        Error(value, "task 'id' must not be empty", path);
                    }
                    else if (!TaskIdPattern().IsMatch(task.Id))
                    {
                        Error(value, $"invalid task id '{YamlValues.Shorten(task.Id)}': use 1 to 64 letters, digits, '_' or '-', starting with a letter or '_'", path);
                    }

                    break;
                case "type":
                    task.TypeNode = value;
                    if (Text(value, name, path) is { } type)
                    {
                        task.Type = type.ToLowerInvariant();
                        if (task.Type is not (TaskTypes.Http or TaskTypes.Wait))
                        {
                            Error(value, $"unknown task type '{YamlValues.Shorten(type)}'; allowed: http, wait", path);
                        }
                    }

                    break;
                case "when":
                    ReadWhen(value, task, path);
                    break;
                case "duration":
                    task.WaitOnly.Add((name, value));
                    task.WaitDuration = Duration(value, name, path, TimeSpan.Zero, Durations.Max);
                    break;
                case "until":
                    task.WaitOnly.Add((name, value));
                    ReadUntil(value, task, path);
                    break;
                case "method":
                    task.Method = Method(value, path);
                    break;
                case "url":
                    urlNode = value;
                    task.Url = Text(value, name, path);
                    if (task.Url is not null && value is YamlScalarNode urlScalar)
                    {
                        task.Templates.Add(new TemplateUse(urlScalar, task.Url, path));
                        if (HttpTaskUrls.CheckTemplate(task.Url) is { } urlError)
                        {
                            Error(value, urlError, path);
                        }
                    }

                    break;
                case "headers":
                    ReadHeaders(value, path, task.Headers, task.Templates);
                    break;
                case "body":
                    task.Body = Json(value, task.Templates, path);
                    break;
                case "dependsOn":
                    task.DependsOn.AddRange(TextList(value, name, path, allowSingle: true, MaxTasks - 1));
                    break;
                case "trigger":
                    task.Trigger = Enum(value, name, TriggerNames, path);
                    break;
                case "retry":
                    task.Retry = ReadRetry(value, path);
                    break;
                case "timeout":
                    task.Timeout = Duration(value, name, path, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
                    break;
                case "allowFailure":
                    task.AllowFailure = Bool(value, name, path);
                    break;
                case "completion":
                    task.Completion = Enum(value, name, CompletionNames, path);
                    break;
                case "callbackTimeout":
                    task.CallbackTimeoutNode = value;
                    task.CallbackTimeout = Duration(value, name, path, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30));
                    break;
                case "circuitBreaker":
                    task.CircuitBreaker = ReadCircuitBreaker(value, path);
                    break;
                case "sla":
                    task.Sla = Duration(value, name, path, TimeSpan.FromSeconds(1), Durations.Max);
                    break;
                case "forEach":
                    ReadForEach(value, task, path);
                    break;
                case "maxParallel":
                    task.MaxParallelNode = value;
                    task.MaxParallel = Integer(value, name, 1, ForEachInstances.MaxParallelLimit, path);
                    break;
            }
        }

        CheckForEach(task);

        if (task.IdNode is null)
        {
            Error(map, $"task {index + 1} is missing required field 'id'", task.Path);
        }

        if (task.Type == TaskTypes.Wait)
        {
            CheckWaitTask(task, map);
        }
        else if (task.WaitOnly.Count > 0)
        {
            foreach (var (name, field) in task.WaitOnly)
            {
                Error(field, $"'{name}' applies only to tasks with 'type: wait'", $"{task.Path}.{name}");
            }
        }
        else if (urlNode is null || (task.Url is null && YamlValues.IsNull(urlNode)))
        {
            Error(urlNode ?? map, $"task '{task.Id ?? (index + 1).ToString(CultureInfo.InvariantCulture)}' is missing required field 'url'", task.Path + ".url");
        }

        if (task.CallbackTimeoutNode is not null && task.CallbackTimeout is not null && task.Completion != CompletionMode.Callback)
        {
            Error(task.CallbackTimeoutNode, "'callbackTimeout' applies only to tasks with 'completion: callback'", task.Path + ".callbackTimeout");
        }

        return task;
    }

    /// <summary>Reads <c>forEach</c>: exactly one template expression naming a list in an upstream task's output or a param.</summary>
    private void ReadForEach(YamlNode node, TaskSyntax task, string path)
    {
        if (node is not YamlScalarNode scalar || Text(node, "forEach", path) is not { } text)
        {
            if (node is not YamlScalarNode)
            {
                WrongType(node, "forEach", "a template such as \"${{ tasks.list.output.items }}\"", path);
            }

            return;
        }

        var references = TemplateEngine.FindReferences(text);
        if (references is not [var only] || only.Offset != 0 || only.Length != text.Trim().Length)
        {
            Error(node, "'forEach' must be exactly one template naming a list, such as ${{ tasks.list.output.items }} or ${{ params.regions }}", path);
            return;
        }

        if (only.IsValid && only.Root is not ("tasks" or "params"))
        {
            ErrorInScalar(scalar, 0, $"'forEach' takes its list from an upstream task's output (tasks.ID.output.PATH) or a param (params.NAME), not from '{only.Root}'", path);
            return;
        }

        task.ForEachNode = scalar;
        task.ForEach = text.Trim();

        // Checked with the task's other templates: syntax, declared params, and that the task named is upstream.
        task.Templates.Add(new TemplateUse(scalar, text, path));
    }

    /// <summary>What forEach does not combine with, and item/index used outside a forEach task.</summary>
    private void CheckForEach(TaskSyntax task)
    {
        if (task.ForEach is null)
        {
            if (task.MaxParallelNode is not null)
            {
                Error(task.MaxParallelNode, "'maxParallel' applies only to tasks with 'forEach'", task.Path + ".maxParallel");
            }

            foreach (var use in task.Templates)
            {
                var references = TemplateEngine.FindReferences(use.Text);
                for (var i = 0; i < references.Count; i++)
                {
                    if (references[i] is { IsValid: true, Root: "item" or "index" })
                    {
                        ErrorInScalar(use.Node, i, $"'{references[i].Root}' exists only in a task with 'forEach'", use.Path);
                    }
                }
            }

            return;
        }

        if (task.Type == TaskTypes.Wait)
        {
            Error(task.ForEachNode!, "'forEach' applies only to http tasks, not to a wait task", task.Path + ".forEach");
        }

        if (task.Completion == CompletionMode.Callback)
        {
            Error(task.ForEachNode!, "'forEach' does not combine with 'completion: callback' yet; use sync completion for the instances", task.Path + ".forEach");
        }
    }

    /// <summary>Parses a task's <c>when</c> condition, reporting a syntax error at its line and column.</summary>
    private void ReadWhen(YamlNode node, TaskSyntax task, string path)
    {
        if (node is not YamlScalarNode scalar || YamlValues.IsNull(node))
        {
            WrongType(node, "when", "a condition such as \"params.env == 'prod'\"", path);
            return;
        }

        task.WhenNode = scalar;
        task.When = scalar.Value ?? string.Empty;
        try
        {
            task.Condition = Conditions.Condition.Parse(task.When);
        }
        catch (Conditions.ConditionException e)
        {
            ErrorInCondition(scalar, e.Offset, $"invalid condition: {e.Message}", path);
        }
    }

    /// <summary>Reads a wait task's <c>until</c>: a literal instant, checked now, or a template rendered when the task is ready.</summary>
    private void ReadUntil(YamlNode node, TaskSyntax task, string path)
    {
        if (Text(node, "until", path) is not { } text || node is not YamlScalarNode scalar)
        {
            return;
        }

        task.WaitUntil = text;
        if (!text.Contains("${{", StringComparison.Ordinal))
        {
            if (!WaitUntil.TryParseInstant(text, out _))
            {
                Error(node, $"'until' must be an ISO-8601 instant with an offset, such as 2026-01-31T08:00:00Z, or a template resolving to one, not '{YamlValues.Shorten(text)}'", path);
            }

            return;
        }

        task.Templates.Add(new TemplateUse(scalar, text, path));
        var references = TemplateEngine.FindReferences(text);
        for (var i = 0; i < references.Count; i++)
        {
            if (references[i].Root == "secrets")
            {
                ErrorInScalar(scalar, i, "'until' cannot use secrets: the instant is shown in the run's state", path);
            }
        }
    }

    private void CheckWaitTask(TaskSyntax task, YamlMappingNode map)
    {
        foreach (var (name, node) in task.HttpOnly)
        {
            Error(node, $"'{name}' does not apply to a wait task, which calls nothing", $"{task.Path}.{name}");
        }

        var given = task.WaitOnly.Select(f => f.Name).Distinct(StringComparer.Ordinal).ToList();
        if (given.Count == 0)
        {
            Error(task.TypeNode ?? map, $"wait task '{task.Id}' needs 'duration' (such as 10m) or 'until' (an instant)", task.Path);
        }
        else if (given.Count > 1)
        {
            Error(task.WaitOnly[1].Node, "give either 'duration' or 'until', not both", $"{task.Path}.{task.WaitOnly[1].Name}");
        }
    }

    private RetrySyntax ReadRetry(YamlNode node, string path)
    {
        var retry = new RetrySyntax();
        if (YamlValues.IsNull(node))
        {
            return retry;
        }

        if (node is not YamlMappingNode map)
        {
            WrongType(node, "retry", "a mapping", path);
            return retry;
        }

        foreach (var (name, value) in Fields(map, RetryFields, "retry", path))
        {
            var fieldPath = $"{path}.{name}";
            switch (name)
            {
                case "maxAttempts":
                    retry.MaxAttempts = Integer(value, name, 1, 100, fieldPath);
                    break;
                case "backoff":
                    retry.Backoff = Enum(value, name, BackoffNames, fieldPath);
                    break;
                case "delay":
                    retry.DelayNode = value;
                    retry.Delay = Duration(value, name, fieldPath, TimeSpan.Zero, TimeSpan.FromDays(1));
                    break;
                case "maxDelay":
                    retry.MaxDelayNode = value;
                    retry.MaxDelay = Duration(value, name, fieldPath, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
                    break;
                case "jitter":
                    retry.Jitter = Fraction(value, name, fieldPath);
                    break;
                case "retryOn":
                    retry.RetryOn = ReadRetryOn(value, fieldPath);
                    break;
            }
        }

        if (retry is { Delay: { } delay, MaxDelay: { } maxDelay } && delay > maxDelay)
        {
            Error(retry.MaxDelayNode!, $"'maxDelay' ({Durations.Format(maxDelay)}) must not be shorter than 'delay' ({Durations.Format(delay)})", path + ".maxDelay");
        }

        return retry;
    }

    /// <summary>Reads a <c>circuitBreaker</c> block; null when it is null or not a mapping (the latter reported).</summary>
    private CircuitBreakerSyntax? ReadCircuitBreaker(YamlNode node, string path)
    {
        if (YamlValues.IsNull(node))
        {
            return null;
        }

        if (node is not YamlMappingNode map)
        {
            WrongType(node, "circuitBreaker", "a mapping with 'failures', 'window' and 'openFor'", path);
            return null;
        }

        var breaker = new CircuitBreakerSyntax();
        foreach (var (name, value) in Fields(map, CircuitBreakerFields, "circuitBreaker", path))
        {
            var fieldPath = $"{path}.{name}";
            switch (name)
            {
                case "failures":
                    breaker.Failures = Integer(value, name, CircuitBreakerPolicy.MinFailures, CircuitBreakerPolicy.MaxFailures, fieldPath);
                    break;
                case "window":
                    breaker.Window = Duration(value, name, fieldPath, CircuitBreakerPolicy.MinDuration, CircuitBreakerPolicy.MaxDuration);
                    break;
                case "openFor":
                    breaker.OpenFor = Duration(value, name, fieldPath, CircuitBreakerPolicy.MinDuration, CircuitBreakerPolicy.MaxDuration);
                    break;
            }
        }

        return breaker;
    }

    private RetryOn? ReadRetryOn(YamlNode node, string path)
    {
        if (YamlValues.IsNull(node))
        {
            return null;
        }

        if (node is not YamlSequenceNode list)
        {
            WrongType(node, "retryOn", $"a list of {string.Join(", ", RetryOnNames.Select(n => n.Name))}", path);
            return null;
        }

        if (TooLong(list, "retryOn", MaxRetryOn, path))
        {
            return null;
        }

        var result = RetryOn.None;
        var ok = true;
        foreach (var item in list.Children)
        {
            if (Enum(item, "retryOn", RetryOnNames, path) is { } value)
            {
                result |= value;
            }
            else
            {
                ok = false;
            }
        }

        return ok ? result : null;
    }

    private void ReadHeaders(YamlNode node, string path, List<HeaderSyntax> into, List<TemplateUse> templates)
    {
        if (YamlValues.IsNull(node))
        {
            return;
        }

        if (node is not YamlMappingNode map)
        {
            WrongType(node, "headers", "a mapping of header names to values", path);
            return;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (keyNode, value) in map.Children)
        {
            var name = NameOf(keyNode, path);
            if (name is null)
            {
                continue;
            }

            var headerPath = $"{path}.{name}";
            if (!HeaderNamePattern().IsMatch(name))
            {
                Error(keyNode, $"invalid header name '{YamlValues.Shorten(name)}'", headerPath);
                continue;
            }

            if (name.StartsWith("X-Loom-", StringComparison.OrdinalIgnoreCase) || name.Equals("Idempotency-Key", StringComparison.OrdinalIgnoreCase))
            {
                Error(keyNode, $"header '{name}' is set by Loom and cannot be given", headerPath);
                continue;
            }

            if (!seen.Add(name))
            {
                Error(keyNode, $"header '{name}' is given twice (header names ignore case)", headerPath);
                continue;
            }

            if (value is not YamlScalarNode scalar)
            {
                WrongType(value, name, "text", headerPath);
                continue;
            }

            var text = YamlValues.IsNull(scalar) ? string.Empty : scalar.Value ?? string.Empty;
            if (text.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            {
                Error(value, $"header '{name}' must be one line of text", headerPath);
                continue;
            }

            into.Add(new HeaderSyntax(name, text));
            templates.Add(new TemplateUse(scalar, text, headerPath));
        }
    }

    private string? Method(YamlNode node, string path)
    {
        var text = Text(node, "method", path);
        if (text is null)
        {
            return null;
        }

        var upper = text.ToUpperInvariant();
        if (!Methods.Contains(upper))
        {
            Error(node, $"unknown HTTP method '{YamlValues.Shorten(text)}'; allowed: {string.Join(", ", Methods)}", path);
            return null;
        }

        return upper;
    }

    private JsonNode? Json(YamlNode node, List<TemplateUse>? templates, string path)
    {
        var value = YamlValues.ToJson(
            node,
            templates is null ? null : (scalar, text) => templates.Add(new TemplateUse(scalar, text, path)),
            ref nodeBudget,
            out var tooLarge);
        if (tooLarge)
        {
            Error(node, $"this value is too large: values may hold at most {YamlValues.MaxNodes} nodes, aliases expanded", path);
        }

        return value;
    }

    /// <summary>Yields the known fields of a mapping, reporting non-scalar keys and unknown fields (with a suggestion).</summary>
    private IEnumerable<(string Name, YamlNode Value)> Fields(YamlMappingNode map, string[] known, string owner, string? path)
    {
        foreach (var (keyNode, value) in map.Children)
        {
            var name = NameOf(keyNode, owner);
            if (name is null)
            {
                continue;
            }

            if (!known.Contains(name, StringComparer.Ordinal))
            {
                var suggestion = Suggest(name, known);
                Error(keyNode, suggestion is null
                    ? $"unknown field '{YamlValues.Shorten(name)}' in {owner}; known fields: {string.Join(", ", known)}"
                    : $"unknown field '{YamlValues.Shorten(name)}'; did you mean '{suggestion}'?", path is null ? name : $"{path}.{name}");
                continue;
            }

            yield return (name, value);
        }
    }

    /// <summary>The name of a mapping key; null (after an error, or silently for a reported duplicate) when unusable.</summary>
    private string? NameOf(YamlNode keyNode, string owner)
    {
        if (keyNode is not YamlScalarNode key)
        {
            Error(keyNode, $"keys in {owner} must be names, not {YamlValues.KindOf(keyNode)}");
            return null;
        }

        var name = key.Value ?? string.Empty;
        return name.StartsWith(YamlLoader.DuplicateKeyPrefix, StringComparison.Ordinal) ? null : name;
    }

    private string? Text(YamlNode node, string field, string path)
    {
        if (YamlValues.IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar.Value ?? string.Empty;
        }

        WrongType(node, field, "text", path);
        return null;
    }

    private IEnumerable<(string Text, YamlNode Node)> TextList(YamlNode node, string field, string path, bool allowSingle, int maxItems)
    {
        if (YamlValues.IsNull(node))
        {
            return [];
        }

        if (allowSingle && node is YamlScalarNode)
        {
            return Text(node, field, path) is { } single ? [(single, node)] : [];
        }

        if (node is not YamlSequenceNode list)
        {
            WrongType(node, field, allowSingle ? "a list of names or one name" : "a list of text", path);
            return [];
        }

        if (TooLong(list, field, maxItems, path))
        {
            return [];
        }

        var items = new List<(string, YamlNode)>();
        foreach (var item in list.Children)
        {
            if (item is YamlScalarNode && !YamlValues.IsNull(item))
            {
                items.Add((((YamlScalarNode)item).Value ?? string.Empty, item));
            }
            else
            {
                WrongType(item, field, "a list of text", path);
            }
        }

        return items;
    }

    private bool? Bool(YamlNode node, string field, string path)
    {
        if (YamlValues.IsNull(node))
        {
            return null;
        }

        // Quoted "true" is accepted too: a flag has only one sensible reading.
        if (node is YamlScalarNode scalar && YamlValues.TryBool(scalar.Value ?? string.Empty, out var value))
        {
            return value;
        }

        WrongType(node, field, "true or false", path);
        return null;
    }

    private int? Integer(YamlNode node, string field, int min, int max, string path)
    {
        if (YamlValues.IsNull(node))
        {
            return null;
        }

        if (node is not YamlScalarNode scalar || !YamlValues.TryInteger(scalar.Value ?? string.Empty, out var value))
        {
            WrongType(node, field, $"an integer from {min} to {max}", path);
            return null;
        }

        if (value < min || value > max)
        {
            Error(node, $"'{field}' must be from {min} to {max}, not {value}", path);
            return null;
        }

        return (int)value;
    }

    private double? Fraction(YamlNode node, string field, string path)
    {
        if (YamlValues.IsNull(node))
        {
            return null;
        }

        if (node is not YamlScalarNode scalar
            || !double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value))
        {
            WrongType(node, field, "a number from 0 to 1", path);
            return null;
        }

        if (value is < 0 or > 1)
        {
            Error(node, $"'{field}' must be from 0 to 1, not {value.ToString(CultureInfo.InvariantCulture)}", path);
            return null;
        }

        return value;
    }

    private TimeSpan? Duration(YamlNode node, string field, string path, TimeSpan min, TimeSpan max)
    {
        if (YamlValues.IsNull(node))
        {
            return null;
        }

        if (node is not YamlScalarNode scalar)
        {
            WrongType(node, field, "a duration", path);
            return null;
        }

        var text = scalar.Value ?? string.Empty;
        if (!Durations.TryParse(text, out var value))
        {
            Error(node, $"invalid duration '{YamlValues.Shorten(text)}' for '{field}'; {Durations.Help}", path);
            return null;
        }

        if (value < min || value > max)
        {
            Error(node, $"'{field}' must be from {Durations.Format(min)} to {Durations.Format(max)}, not {Durations.Format(value)}", path);
            return null;
        }

        return value;
    }

    private T? Enum<T>(YamlNode node, string field, (string Name, T Value)[] allowed, string path)
        where T : struct
    {
        if (YamlValues.IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            foreach (var (name, value) in allowed)
            {
                if (string.Equals(name, scalar.Value, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }

            var text = scalar.Value ?? string.Empty;
            var names = allowed.Select(a => a.Name).ToList();
            var hint = Suggest(text, names) is { } suggestion ? $"did you mean '{suggestion}'? " : string.Empty;
            Error(node, $"invalid value '{YamlValues.Shorten(text)}' for '{field}'; {hint}allowed: {string.Join(", ", names)}", path);
            return null;
        }

        WrongType(node, field, $"one of {string.Join(", ", allowed.Select(a => a.Name))}", path);
        return null;
    }

    /// <summary>Reports a list longer than <paramref name="maxItems"/> once, instead of reading (and reporting on) every item.</summary>
    private bool TooLong(YamlSequenceNode list, string field, int maxItems, string path)
    {
        if (list.Children.Count <= maxItems)
        {
            return false;
        }

        Error(list, string.Create(CultureInfo.InvariantCulture, $"'{field}' lists {list.Children.Count:N0} entries; at most {maxItems:N0} are allowed"), path);
        return true;
    }

    /// <summary>The closest known name, for "did you mean" hints; null once no more errors are listed, since the hint would not be shown.</summary>
    public string? Suggest(string name, IEnumerable<string> candidates) => errors.IsFull ? null : Suggestions.Closest(name, candidates);

    private void WrongType(YamlNode node, string field, string expected, string path) =>
        Error(node, $"'{field}' must be {expected}, not {YamlValues.KindOf(node)}", path);

    /// <summary>Adds an error at the start of <paramref name="node"/>.</summary>
    public void Error(YamlNode node, string message, string? path = null) =>
        errors.Add(new ValidationError(YamlLoader.ToInt(node.Start.Line), YamlLoader.ToInt(node.Start.Column), message, path));

    /// <summary>Adds an error at the <paramref name="occurrence"/>-th <c>${{</c> of a scalar, or at the scalar when it cannot be found in the source.</summary>
    public void ErrorInScalar(YamlScalarNode node, int occurrence, string message, string path)
    {
        if (errors.IsFull)
        {
            // Not listed anyway: counting it is enough, and locating it scans the scalar.
            errors.Add(new ValidationError(0, 0, message, path));
            return;
        }

        var (line, column) = Locate(node, occurrence);
        errors.Add(new ValidationError(line, column, message, path));
    }

    /// <summary>
    /// Adds an error at character <paramref name="offset"/> of a condition: exact for a one-line plain or quoted scalar (quoted
    /// text without escapes before the offset); at the scalar's start otherwise.
    /// </summary>
    public void ErrorInCondition(YamlScalarNode node, int offset, string message, string path)
    {
        var line = YamlLoader.ToInt(node.Start.Line);
        var column = YamlLoader.ToInt(node.Start.Column);
        var value = node.Value ?? string.Empty;
        var oneLine = node.Start.Line == node.End.Line && value.IndexOfAny(['\r', '\n']) < 0;
        var quoted = node.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted;
        var plain = node.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any;
        var start = (int)Math.Clamp(node.Start.Index, 0, source.Length);
        var raw = source.AsSpan(start, (int)Math.Clamp(node.End.Index - start, 0, source.Length - start));
        var escaped = quoted && offset <= value.Length && raw.Length > 1 && !raw[1..].StartsWith(value.AsSpan(0, Math.Min(offset, value.Length)));
        if (oneLine && (plain || (quoted && !escaped)))
        {
            column += Math.Clamp(offset, 0, value.Length) + (quoted ? 1 : 0);
        }

        errors.Add(new ValidationError(line, column, message, path));
    }

    private (int Line, int Column) Locate(YamlScalarNode node, int occurrence)
    {
        var line = YamlLoader.ToInt(node.Start.Line);
        var column = YamlLoader.ToInt(node.Start.Column);
        var start = (int)Math.Clamp(node.Start.Index, 0, source.Length);
        var end = (int)Math.Clamp(node.End.Index, start, source.Length);
        var at = start - 1;
        for (var i = 0; i <= occurrence; i++)
        {
            at = source.IndexOf("${{", at + 1, end - (at + 1), StringComparison.Ordinal);
            if (at < 0)
            {
                return (line, column);
            }
        }

        for (var i = start; i < at; i++)
        {
            if (source[i] == '\n' || (source[i] == '\r' && (i + 1 >= source.Length || source[i + 1] != '\n')))
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return (line, column);
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", RegexOptions.CultureInvariant)]
    internal static partial Regex WorkflowIdPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    internal static partial Regex TaskIdPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ParamNamePattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretNamePattern();

    [GeneratedRegex(@"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderNamePattern();
}
