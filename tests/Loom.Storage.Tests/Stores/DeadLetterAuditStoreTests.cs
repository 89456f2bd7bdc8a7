using Loom.Core.Engine;
using Loom.Core.Stores;
using Loom.Testing;

namespace Loom.Storage.Tests.Stores;

/// <summary>The dead-letter and workflow-audit tables on Azurite: written once, newest first, filtered, paged, acknowledged for good.</summary>
[Collection("azurite")]
public sealed class DeadLetterAuditStoreTests(AzuriteFixture azurite) : StoreTestBase(azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 3, 0, 0, TimeSpan.Zero);

    private static DeadLetterRecord Letter(string workflowId, string runId, string taskId, int attempt, int minute) =>
        new(DeadLetters.Id(T0.AddMinutes(minute), runId, taskId, attempt), DeadLetters.TaskKind, workflowId, runId, taskId, attempt, "HTTP 500", T0.AddMinutes(minute));

    [Fact]
    public async Task Add_Twice_StoresOnce_AndAnAcknowledgedOneIsNotBroughtBack()
    {
        var store = Stores.DeadLetters;
        var letter = Letter("wf/a", "wf/a-r1", "load", 3, 0);

        await store.AddAsync([letter, letter]);
        await store.AddAsync([letter]);
        Assert.Single((await store.ListAsync(new DeadLetterQuery())).Items);

        var acknowledged = await store.AcknowledgeAsync(letter.Id, "ops", T0.AddHours(1));
        await store.AddAsync([letter]);

        Assert.Equal("ops", acknowledged!.AcknowledgedBy);
        Assert.Empty((await store.ListAsync(new DeadLetterQuery())).Items);
        Assert.Empty((await store.ListAsync(new DeadLetterQuery("wf/a"))).Items);
        var stored = await store.GetAsync(letter.Id);
        Assert.Equal((T0.AddHours(1), "ops"), (stored!.AcknowledgedAt, stored.AcknowledgedBy));
        Assert.Null(await store.AcknowledgeAsync("nope", "ops", T0));
    }

    [Fact]
    public async Task List_NewestFirst_ByWorkflowRunAndSince_PagedWithoutGapsOrRepeats()
    {
        var store = Stores.DeadLetters;
        var letters = Enumerable.Range(0, 7).Select(i => Letter(i % 2 == 0 ? "even" : "odd", $"r{i}", "t", 1, i)).ToList();
        await store.AddAsync(letters);

        var all = await store.ListAsync(new DeadLetterQuery(Limit: 1000));
        Assert.Equal(letters.OrderByDescending(l => l.FailedAt).Select(l => l.Id), all.Items.Select(l => l.Id));
        Assert.Null(all.Continuation);
        Assert.Equal(["r6", "r4", "r2", "r0"], (await store.ListAsync(new DeadLetterQuery("even"))).Items.Select(l => l.RunId));
        Assert.Equal(["r3"], (await store.ListAsync(new DeadLetterQuery("odd", RunId: "r3"))).Items.Select(l => l.RunId));
        Assert.Equal(["r6", "r5"], (await store.ListAsync(new DeadLetterQuery(Since: T0.AddMinutes(5)))).Items.Select(l => l.RunId));

        var paged = new List<string>();
        string? continuation = null;
        do
        {
            var page = await store.ListAsync(new DeadLetterQuery(Limit: 3, Continuation: continuation));
            paged.AddRange(page.Items.Select(l => l.RunId));
            continuation = page.Continuation;
        }
        while (continuation is not null);
        Assert.Equal(["r6", "r5", "r4", "r3", "r2", "r1", "r0"], paged);
    }

    [Fact]
    public async Task Audit_NewestFirst_Paged_TwoActionsInTheSameTickBothKept()
    {
        var audit = Stores.Audit;
        await audit.AppendAsync(new WorkflowAuditRecord("wf", T0, "register", "admin"));
        await audit.AppendAsync(new WorkflowAuditRecord("wf", T0.AddMinutes(1), "pause", "ops"));
        await audit.AppendAsync(new WorkflowAuditRecord("wf", T0.AddMinutes(1), "resume", "ops"));
        await audit.AppendAsync(new WorkflowAuditRecord("other", T0, "register", "admin"));

        var first = await audit.ListAsync("wf", 2);
        var rest = await audit.ListAsync("wf", 2, first.Continuation);

        Assert.Equal(["pause", "resume"], first.Items.Select(e => e.Action).Order());
        Assert.Equal(["register"], rest.Items.Select(e => e.Action));
        Assert.Null(rest.Continuation);
    }
}
