using Loom.Core.Definitions;

namespace Loom.Core.Tests.Triggers;

public class EventTriggerValidationTests
{
    private const string Tasks = """
        tasks:
          - id: a
            url: http://localhost/a
        """;

    [Fact]
    public void Parse_QueueAndWebhookTriggers_BuildsDefinition()
    {
        var result = WorkflowParser.Parse($"""
            id: w
            triggers:
              - queue: orders
              - queue: refunds-2
              - webhook: true
                signingSecret: ${"{{"} secrets.GITHUB_HOOK {"}}"}
            {Tasks}
            """);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var triggers = result.Definition!.Triggers;
        Assert.Equal(["orders", "refunds-2"], triggers.Queues);
        Assert.Equal("GITHUB_HOOK", triggers.Webhook!.SigningSecret);
    }

    [Fact]
    public void Parse_NoTriggers_HasNone()
    {
        var definition = WorkflowParser.Parse($"id: w\n{Tasks}").Definition!;
        Assert.Same(EventTriggers.None, definition.Triggers);
    }

    [Theory]
    [InlineData("- queue: Orders", 3, 12, "invalid queue name 'Orders'")]
    [InlineData("- queue: ab", 3, 12, "must have 3 to 56 characters")]
    [InlineData("- queue: a--b", 3, 12, "single hyphens")]
    [InlineData("- queue: orders-poison", 3, 12, "ends with '-poison'")]
    [InlineData("- queue: [a]", 3, 12, "'queue' must be text")]
    [InlineData("- webhook: yes please", 3, 14, "'webhook' must be true or false")]
    [InlineData("- webhook: true\n    signingSecret: 'my secret'", 4, 20, "invalid signingSecret 'my secret'")]
    [InlineData("- queue: orders\n    signingSecret: X", 4, 5, "unknown field 'signingSecret' in a queue trigger")]
    [InlineData("- cron: daily", 3, 5, "unknown field 'cron' in a trigger; known fields: queue, webhook, signingSecret")]
    [InlineData("- {}", 3, 5, "a trigger needs 'queue: NAME' or 'webhook: true'")]
    [InlineData("- queue:", 3, 11, "'queue' must name a storage queue")]
    [InlineData("- queue: orders\n    webhook: true", 3, 5, "either 'queue' or 'webhook', not both")]
    [InlineData("- queue: orders\n  - queue: orders", 4, 12, "queue 'orders' is listed twice (first at line 3)")]
    [InlineData("- webhook: true\n  - webhook: true", 4, 5, "a workflow has one webhook")]
    [InlineData("- orders", 3, 5, "a list of mappings")]
    public void Parse_BadTrigger_ReportsLineAndColumn(string triggers, int line, int column, string message)
    {
        var result = WorkflowParser.Parse($"id: w\ntriggers:\n  {triggers}\n{Tasks}");

        var error = Assert.Single(result.Errors);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_TriggersNotAList_ReportsIt()
    {
        var error = Assert.Single(WorkflowParser.Parse($"id: w\ntriggers: {{ queue: orders }}\n{Tasks}").Errors);
        Assert.Equal((2, 11), (error.Line, error.Column));
        Assert.Contains("'triggers' must be a list", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Warnings_WebhookSecretNotOnTheHost_SaysEveryCallIsRefused()
    {
        var definition = WorkflowParser.Parse($"id: w\ntriggers:\n  - webhook: true\n    signingSecret: HOOK\n{Tasks}").Definition!;

        Assert.Contains(WorkflowWarnings.For(definition, new Loom.Core.Templating.ConfiguredSecrets(new Dictionary<string, string>())), w => w.Contains("webhook's signingSecret 'HOOK'", StringComparison.Ordinal));
        Assert.Empty(WorkflowWarnings.For(definition, new Loom.Core.Templating.ConfiguredSecrets(new Dictionary<string, string> { ["HOOK"] = "value" })));
    }
}
