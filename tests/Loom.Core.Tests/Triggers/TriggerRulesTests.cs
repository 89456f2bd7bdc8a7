using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Definitions;
using Loom.Core.Execution;
using Loom.Core.Triggers;

namespace Loom.Core.Tests.Triggers;

public class TriggerRulesTests
{
    private static readonly WorkflowDefinition Workflow = WorkflowParser.Parse("""
        id: w
        params: { region: none, size: 1 }
        tasks:
          - id: a
            url: http://localhost/a
        """).Definition!;

    private static readonly CallbackTokens Signer = new(Encoding.UTF8.GetBytes("a-signing-key-of-32-characters!!"));

    [Fact]
    public void TriggerRunIds_SameQueueMessage_SameRunId_OtherMessageOrQueue_Another()
    {
        var id = TriggerRunIds.ForQueueMessage("w", "orders", "m1");

        Assert.Equal(id, TriggerRunIds.ForQueueMessage("w", "orders", "m1"));
        Assert.NotEqual(id, TriggerRunIds.ForQueueMessage("w", "orders", "m2"));
        Assert.NotEqual(id, TriggerRunIds.ForQueueMessage("w", "refunds", "m1"));
        Assert.Matches("^w@q[0-9a-f]{20}$", id);
        Assert.True(Loom.Core.Scheduling.RunIds.TryGetWorkflowId(id, out var workflowId) && workflowId == "w");
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("""{"region":"eu"}""", null)]
    [InlineData("not json", "the body is not JSON")]
    [InlineData("[1]", "must be a JSON object of parameters, not an array")]
    [InlineData("null", "not null")]
    [InlineData("""{"regoin":"eu"}""", "unknown parameter 'regoin'; did you mean 'region'?")]
    public void TriggerParams_Body_ParamsOrReason(string body, string? error)
    {
        var (parameters, reason) = TriggerParams.Read(Encoding.UTF8.GetBytes(body), Workflow);

        if (error is null)
        {
            Assert.Null(reason);
            Assert.NotNull(parameters);
        }
        else
        {
            Assert.Null(parameters);
            Assert.Contains(error, reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TriggerParams_Base64OfJsonMessage_IsReadAsJson()
    {
        var (parameters, error) = TriggerParams.ReadMessage(Convert.ToBase64String("""{"size":5}"""u8), Workflow);

        Assert.Null(error);
        Assert.Equal(5, parameters!["size"]!.GetValue<int>());
    }

    [Fact]
    public void WebhookTokens_VerifyOnlyTheCurrentSaltAndWorkflow()
    {
        var tokens = new WebhookTokens(Signer);
        var token = tokens.Create("w", null);

        Assert.True(tokens.Verify("w", null, token));
        Assert.False(tokens.Verify("w", "rotated", token));
        Assert.False(tokens.Verify("other", null, token));
        Assert.False(tokens.Verify("w", null, token[..^2] + "xx"));
        Assert.False(tokens.Verify("w", null, "not base64 !"));
        Assert.True(tokens.Verify("w", "rotated", tokens.Create("w", "rotated")));
        // A webhook token is no callback token (the key is derived for webhooks alone).
        Assert.Null(Signer.Validate(token));
    }

    [Fact]
    public void WebhookSignature_RightSignature_Holds_OtherwiseSaysWhy()
    {
        var body = Encoding.UTF8.GetBytes("""{"branch":"main"}""");
        var signature = WebhookSignature.Sign("secret", body);

        Assert.Null(WebhookSignature.Check("secret", body, signature));
        Assert.Null(WebhookSignature.Check("secret", body, signature.ToUpperInvariant().Replace("SHA256=", "sha256=", StringComparison.Ordinal)));
        Assert.Contains("does not match", WebhookSignature.Check("other", body, signature), StringComparison.Ordinal);
        Assert.Contains("does not match", WebhookSignature.Check("secret", [.. body, (byte)' '], signature), StringComparison.Ordinal);
        Assert.Contains("send X-Loom-Signature", WebhookSignature.Check("secret", body, null), StringComparison.Ordinal);
        Assert.Contains("64 hex digits", WebhookSignature.Check("secret", body, "sha256=zz"), StringComparison.Ordinal);
        Assert.Contains("64 hex digits", WebhookSignature.Check("secret", body, "sha1=" + new string('0', 40)), StringComparison.Ordinal);
    }

    [Fact]
    public void IdleBackoff_DoublesWhileIdle_ResetsOnWork()
    {
        var backoff = new IdleBackoff(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1));

        Assert.Equal([250, 500, 1000, 1000], Enumerable.Range(0, 4).Select(_ => backoff.Next(0).TotalMilliseconds));
        Assert.Equal(TimeSpan.Zero, backoff.Next(3));
        Assert.Equal(250, backoff.Next(0).TotalMilliseconds);
    }

    [Theory]
    [InlineData(QueueMessageResult.Started, true)]
    [InlineData(QueueMessageResult.Duplicate, true)]
    [InlineData(QueueMessageResult.Poisoned, true)]
    [InlineData(QueueMessageResult.Held, false)]
    [InlineData(QueueMessageResult.Failed, false)]
    public void Handled_OnlyWhenTheMessageLeftItsQueue(QueueMessageResult result, bool handled) =>
        Assert.Equal(handled, new QueueMessageOutcome("orders", "m1", result).Handled);

    [Fact]
    public void PoisonText_KeepsTheReasonAndTheMessage_JsonAsJson()
    {
        var message = new TriggerQueueMessage("orders", "m1", "r", """{"regoin":"eu"}""", 1, DateTimeOffset.UnixEpoch);
        var envelope = JsonNode.Parse(QueueTriggerPump.PoisonText(message, new QueueMessageOutcome("orders", "m1", QueueMessageResult.Poisoned, "w", Reason: "bad params")))!;

        Assert.Equal(("bad params", "m1", "w", "eu"), (envelope["reason"]!.GetValue<string>(), envelope["messageId"]!.GetValue<string>(),
            envelope["workflowId"]!.GetValue<string>(), envelope["message"]!["regoin"]!.GetValue<string>()));

        var huge = message with { Body = new string('x', 70_000) };
        var cut = QueueTriggerPump.PoisonText(huge, new QueueMessageOutcome("orders", "m1", QueueMessageResult.Poisoned, Reason: "not JSON"));
        Assert.True(cut.Length <= QueueTriggerPump.MaxPoisonChars);
        Assert.True(JsonNode.Parse(cut)!["truncated"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("orders", null)]
    [InlineData("a1-b2", null)]
    [InlineData("-orders", "invalid queue name")]
    [InlineData("orders-", "invalid queue name")]
    [InlineData("order_s", "invalid queue name")]
    public void TriggerQueueNames_AzureRules(string name, string? error)
    {
        var problem = TriggerQueueNames.Check(name);
        if (error is null) Assert.Null(problem);
        else Assert.Contains(error, problem, StringComparison.Ordinal);
        Assert.Equal(63, TriggerQueueNames.PoisonOf(new string('a', TriggerQueueNames.MaxLength)).Length);
    }
}
