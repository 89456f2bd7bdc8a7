using Loom.Core.Definitions;
using Loom.Core.Triggers;

namespace Loom.Core.Tests.Triggers;

/// <summary>A queue starts one workflow: registration finds the workflow that declares a wanted queue already.</summary>
public sealed class QueueClaimsTests
{
    private static WorkflowDefinition Workflow(string id, params string[] queues) =>
        new() { Id = id, Tasks = [], Triggers = queues.Length == 0 ? EventTriggers.None : new EventTriggers { Queues = queues } };

    [Fact]
    public void FindTaken_AnotherWorkflowDeclaresTheQueue_NamesItAndTheQueue()
    {
        var current = new[] { Workflow("billing", "invoices"), Workflow("orders-in", "refunds", "orders"), Workflow("plain") };

        Assert.Equal(new QueueClaim("orders", "orders-in"), QueueClaims.FindTaken(Workflow("orders-too", "audit", "orders"), current));
    }

    [Fact]
    public void FindTaken_NewVersionOfTheSameWorkflow_KeepsItsQueues()
    {
        var current = new[] { Workflow("orders-in", "orders"), Workflow("other", "elsewhere") };

        Assert.Null(QueueClaims.FindTaken(Workflow("orders-in", "orders", "more-orders"), current));
    }

    [Fact]
    public void FindTaken_NoQueueOrFreeQueues_Null()
    {
        var current = new[] { Workflow("orders-in", "orders") };

        Assert.Null(QueueClaims.FindTaken(Workflow("plain"), current));
        Assert.Null(QueueClaims.FindTaken(Workflow("refunds-in", "refunds"), current));
        Assert.Null(QueueClaims.FindTaken(Workflow("first", "orders"), []));
    }

    [Fact]
    public void FindTaken_SeveralTakers_TheFirstByWorkflowId()
    {
        var current = new[] { Workflow("zeta", "shared"), Workflow("alpha", "shared") };

        Assert.Equal(new QueueClaim("shared", "alpha"), QueueClaims.FindTaken(Workflow("new", "shared"), current));
    }
}
