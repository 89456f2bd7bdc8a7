using Loom.Storage.Connection;
using Loom.Storage.Queues;
using Loom.Testing;

namespace Loom.Storage.Tests.Queues;

[Collection("azurite")]
public sealed class QueueClientTests(AzuriteFixture azurite)
{
    private async Task<QueueClient> NewQueueAsync(StorageClientOptions? options = null)
    {
        var queue = new QueueServiceClient(Azurite.Connection(azurite), options).GetQueueClient("q-" + Guid.NewGuid().ToString("N")[..12]);
        Assert.True(await queue.CreateIfNotExistsAsync());
        return queue;
    }

    [Fact]
    public async Task CreateIfNotExists_Twice_SecondReturnsFalse_AndDeleteWorks()
    {
        var queue = await NewQueueAsync();
        Assert.False(await queue.CreateIfNotExistsAsync());
        Assert.True(await queue.DeleteIfExistsAsync());
        Assert.False(await queue.DeleteIfExistsAsync());
    }

    [Fact]
    public async Task SendReceiveDelete_TextRoundTripsAndDequeueCountIsExposed()
    {
        var queue = await NewQueueAsync();
        const string text = "{\"run\":\"r1\",\"note\":\"ünïcødé ✓ <xml> & stuff\"}";
        await queue.SendMessageAsync(text);
        Assert.Equal(1, await queue.GetApproximateMessageCountAsync());

        var peeked = Assert.Single(await queue.PeekMessagesAsync(5));
        Assert.Equal(text, peeked.Text);
        Assert.Equal(0, peeked.DequeueCount);

        var received = Assert.Single(await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30)));
        Assert.Equal(text, received.Text);
        Assert.Equal(1, received.DequeueCount);
        Assert.Null(received.ExpiresOn);
        Assert.Empty(await queue.ReceiveMessagesAsync(1));

        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);
        Assert.Equal(0, await queue.GetApproximateMessageCountAsync());
    }

    [Fact]
    public async Task Receive_NotDeleted_ReappearsAfterVisibilityTimeout()
    {
        var queue = await NewQueueAsync();
        await queue.SendMessageAsync("lease me");
        var first = Assert.Single(await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1)));
        Assert.Empty(await queue.ReceiveMessagesAsync(1));

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var again = Assert.Single(await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(2, again.DequeueCount);

        // The first lease's receipt is stale now.
        var e = await Assert.ThrowsAsync<StorageException>(() => queue.DeleteMessageAsync(first.MessageId, first.PopReceipt));
        Assert.Equal(StorageErrorKind.MessageNotFound, e.Kind);
        await queue.DeleteMessageAsync(again.MessageId, again.PopReceipt);
    }

    [Fact]
    public async Task Update_ExtendsLeaseAndReplacesText_NewPopReceiptRequired()
    {
        var queue = await NewQueueAsync();
        await queue.SendMessageAsync("v1");
        var received = Assert.Single(await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1)));
        var update = await queue.UpdateMessageAsync(received.MessageId, received.PopReceipt, TimeSpan.FromSeconds(30), "v2");
        Assert.NotEqual(received.PopReceipt, update.PopReceipt);

        // Past the original 1 s lease the updated message stays hidden.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Empty(await queue.ReceiveMessagesAsync(1));

        var stale = await Assert.ThrowsAsync<StorageException>(() => queue.DeleteMessageAsync(received.MessageId, received.PopReceipt));
        Assert.Equal(StorageErrorKind.MessageNotFound, stale.Kind);

        // Shorten the lease to zero: it is visible at once with the new text.
        await queue.UpdateMessageAsync(received.MessageId, update.PopReceipt, TimeSpan.Zero);
        var again = Assert.Single(await queue.ReceiveMessagesAsync(1));
        Assert.Equal("v2", again.Text);
        await queue.DeleteMessageAsync(again.MessageId, again.PopReceipt);
    }

    [Fact]
    public async Task Send_WithDelay_HiddenUntilDue()
    {
        var queue = await NewQueueAsync();
        var receipt = await queue.SendMessageAsync("later", TimeSpan.FromSeconds(1));
        Assert.True(receipt.NextVisibleOn > DateTimeOffset.UtcNow.AddMilliseconds(-500));
        Assert.Empty(await queue.ReceiveMessagesAsync(1));
        Assert.Empty(await queue.PeekMessagesAsync(1));
        Assert.Equal(1, await queue.GetApproximateMessageCountAsync());
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal("later", Assert.Single(await queue.ReceiveMessagesAsync(1)).Text);
    }

    [Fact]
    public async Task Send_WithTimeToLive_ExpiryIsReported()
    {
        var queue = await NewQueueAsync();
        await queue.SendMessageAsync("short-lived", timeToLive: TimeSpan.FromHours(1));
        var message = Assert.Single(await queue.ReceiveMessagesAsync(1));
        Assert.NotNull(message.ExpiresOn);
        Assert.InRange(message.ExpiresOn!.Value, message.InsertedOn.AddMinutes(59), message.InsertedOn.AddMinutes(61));
    }

    [Fact]
    public async Task Send_DelayBeyondServiceMaximum_ResentUntilDue()
    {
        // The service maximum is shrunk to 1 s so a "long" delay surfaces early within the test.
        var clock = new ShiftableClock();
        var options = new StorageClientOptions { TimeProvider = clock, MaxQueueVisibilityDelay = TimeSpan.FromSeconds(1) };
        var queue = await NewQueueAsync(options);
        await queue.SendMessageAsync("far future", TimeSpan.FromHours(1));

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Empty(await queue.ReceiveMessagesAsync(32));
        Assert.Equal(1, await queue.GetApproximateMessageCountAsync());

        // An hour later (on the clock) the next hop is due and delivered with its original text.
        clock.Offset = TimeSpan.FromHours(1);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var message = Assert.Single(await queue.ReceiveMessagesAsync(32));
        Assert.Equal("far future", message.Text);
    }

    [Fact]
    public async Task Send_TooLarge_ThrowsTypedBeforeSending()
    {
        var queue = await NewQueueAsync();
        var e = await Assert.ThrowsAsync<StorageException>(() => queue.SendMessageAsync(new string('x', QueueClient.MaxMessageBytes + 1)));
        Assert.Equal(StorageErrorKind.TooLarge, e.Kind);
        await queue.SendMessageAsync(new string('x', QueueClient.MaxMessageBytes));
        Assert.Equal(QueueClient.MaxMessageBytes, Assert.Single(await queue.ReceiveMessagesAsync(1)).Text.Length);
    }

    [Fact]
    public async Task Receive_Batch_ReturnsUpTo32AndClearEmpties()
    {
        var queue = await NewQueueAsync();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => queue.SendMessageAsync($"m{i}")));
        Assert.Equal(32, (await queue.ReceiveMessagesAsync(32)).Count);
        Assert.Equal(8, (await queue.ReceiveMessagesAsync(32)).Count);
        await queue.ClearMessagesAsync();
        Assert.Equal(0, await queue.GetApproximateMessageCountAsync());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.ReceiveMessagesAsync(33));
    }

    [Fact]
    public async Task MissingQueue_ThrowsQueueNotFound()
    {
        var queue = new QueueServiceClient(Azurite.Connection(azurite)).GetQueueClient("missing-" + Guid.NewGuid().ToString("N")[..8]);
        var e = await Assert.ThrowsAsync<StorageException>(() => queue.SendMessageAsync("x"));
        Assert.Equal(StorageErrorKind.QueueNotFound, e.Kind);
    }

    private sealed class ShiftableClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
    }
}
