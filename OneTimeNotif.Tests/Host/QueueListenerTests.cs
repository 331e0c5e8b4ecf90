using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging.Abstractions;
using OneTimeNotif.Host.Queues;
using OneTimeNotif.Tests.Infrastructure;

namespace OneTimeNotif.Tests.Host;

/// <summary>The standalone listener gives messages the Azure Functions queue-trigger semantics.</summary>
public sealed class QueueListenerTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private static readonly QueueClientOptions Plain = new() { MessageEncoding = QueueMessageEncoding.None };

    private async Task<(QueueClient Queue, QueueClient Poison)> CreateQueuesAsync()
    {
        var name = $"listener-{Guid.NewGuid():N}";
        var queue = new QueueClient(storage.Azurite.ConnectionString, name, Plain);
        var poison = new QueueClient(storage.Azurite.ConnectionString, name + "-poison", Plain);
        await queue.CreateIfNotExistsAsync();
        await poison.CreateIfNotExistsAsync();
        return (queue, poison);
    }

    private static QueueListenerOptions Options(int maxDequeueCount = 3, double visibilitySeconds = 0, double leaseSeconds = 5) => new()
    {
        MaxDequeueCount = maxDequeueCount,
        VisibilityTimeout = TimeSpan.FromSeconds(visibilitySeconds),
        ProcessingLease = TimeSpan.FromSeconds(leaseSeconds),
        MaxPollingInterval = TimeSpan.FromMilliseconds(200),
        MessageEncoding = "none",
    };

    private static async Task RunUntilAsync(QueueListener listener, Func<Task<bool>> done, TimeSpan timeout)
    {
        using var stop = new CancellationTokenSource();
        var run = listener.RunAsync(stop.Token);
        var deadline = DateTime.UtcNow + timeout;
        while (!await done() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        await stop.CancelAsync();
        await run;
    }

    private static QueueListener Listener(QueueClient queue, QueueClient poison, QueueListenerOptions options, Func<QueueMessage, CancellationToken, Task> handle) =>
        new(queue, (message, reason, ct) => poison.SendMessageAsync($"{reason} | {message.Body}", ct), handle, options, NullLogger.Instance);

    [Fact]
    public async Task AMessageThatKeepsFailingMovesToThePoisonQueueAfterMaxDequeueCountWithTheReason()
    {
        var (queue, poison) = await CreateQueuesAsync();
        var attempts = 0;
        var listener = Listener(queue, poison, Options(maxDequeueCount: 3), (_, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("storage said no");
        });
        await queue.SendMessageAsync("{\"jobId\":\"j\"}");

        await RunUntilAsync(listener, async () => (await poison.PeekMessagesAsync()).Value.Length > 0, TimeSpan.FromSeconds(20));

        Assert.Equal(3, attempts);
        var parked = Assert.Single((await poison.PeekMessagesAsync(10)).Value);
        Assert.Equal("Failed 3 times; last error: InvalidOperationException. | {\"jobId\":\"j\"}", parked.Body.ToString());
        Assert.Empty((await queue.PeekMessagesAsync()).Value);
    }

    [Fact]
    public async Task AFailedMessageComesBackAfterTheVisibilityTimeoutAndIsDeletedOnceItSucceeds()
    {
        var (queue, poison) = await CreateQueuesAsync();
        var attempts = new ConcurrentQueue<DateTime>();
        var listener = Listener(queue, poison, Options(visibilitySeconds: 2), (_, _) =>
        {
            attempts.Enqueue(DateTime.UtcNow);
            return attempts.Count == 1 ? throw new TimeoutException() : Task.CompletedTask;
        });
        await queue.SendMessageAsync("work");

        await RunUntilAsync(listener, () => Task.FromResult(attempts.Count >= 2), TimeSpan.FromSeconds(20));
        await Task.Delay(300);

        var times = attempts.ToArray();
        Assert.Equal(2, times.Length);
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(1.9), $"retried after {times[1] - times[0]}");
        Assert.Empty((await queue.PeekMessagesAsync()).Value);
        Assert.Empty((await poison.PeekMessagesAsync()).Value);
    }

    [Fact]
    public async Task AMessageStaysInvisibleWhileItIsProcessedLongerThanItsLease()
    {
        var (queue, poison) = await CreateQueuesAsync();
        var starts = 0;
        var finished = false;
        // The work outlasts two leases; renewal at half-time must keep it hidden throughout.
        var options = Options(leaseSeconds: 3);
        var first = Listener(queue, poison, options, async (_, ct) =>
        {
            Interlocked.Increment(ref starts);
            await Task.Delay(TimeSpan.FromSeconds(7), ct);
            finished = true;
        });
        // A second consumer on the same queue, as a scaled-out app has.
        var second = Listener(queue, poison, options, (_, _) =>
        {
            Interlocked.Increment(ref starts);
            return Task.CompletedTask;
        });
        await queue.SendMessageAsync("long work");

        using var stop = new CancellationTokenSource();
        var both = Task.WhenAll(first.RunAsync(stop.Token), second.RunAsync(stop.Token));
        var deadline = DateTime.UtcNow.AddSeconds(25);
        while (!Volatile.Read(ref finished) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        await Task.Delay(500);
        await stop.CancelAsync();
        await both;

        Assert.True(finished);
        Assert.Equal(1, starts);
        Assert.Empty((await queue.PeekMessagesAsync()).Value);
    }
}
