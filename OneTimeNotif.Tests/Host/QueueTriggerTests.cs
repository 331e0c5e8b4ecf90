using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Host.Triggers;
using OneTimeNotif.Tests.Infrastructure;

namespace OneTimeNotif.Tests.Host;

/// <summary>
/// The queue semantics both hosts get from Microsoft's WebJobs queue listener, as <see cref="WebJobsTriggers"/>
/// configures it from host.json's <c>extensions:queues</c>: retries, visibility, the poison queue, competing hosts.
/// A recording function stands in for the follow-up processor, so a test can make a message fail at will.
/// </summary>
public sealed class QueueTriggerTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private const string QueueSetting = "TriggerTestQueue";
    private static readonly QueueClientOptions Plain = new() { MessageEncoding = QueueMessageEncoding.None };

    private readonly string _queueName = $"trigger-{Guid.NewGuid():N}";

    private QueueClient Queue => new(storage.Azurite.ConnectionString, _queueName, Plain);
    private QueueClient PoisonQueue => new(storage.Azurite.ConnectionString, _queueName + "-poison", Plain);

    [Fact]
    public async Task AMessageThatKeepsFailingIsTriedMaxDequeueCountTimesThenMovedUnchangedToThePoisonQueue()
    {
        var recorder = new Recorder((_, _, _) => throw new InvalidOperationException("storage said no"));
        await Queue.CreateIfNotExistsAsync();
        await Queue.SendMessageAsync("{\"jobId\":\"j\"}");

        await using (await StartHostAsync(recorder, new() { ["extensions:queues:maxDequeueCount"] = "3" }))
        {
            await Poll.UntilAsync(async () => (await PoisonQueue.ExistsAsync()).Value && (await PoisonQueue.PeekMessagesAsync()).Value.Length > 0);
        }

        Assert.Equal([1L, 2L, 3L], recorder.Calls.Select(c => c.DequeueCount));
        var parked = Assert.Single((await PoisonQueue.PeekMessagesAsync(10)).Value);
        Assert.Equal("{\"jobId\":\"j\"}", parked.Body.ToString());
        Assert.Empty((await Queue.PeekMessagesAsync()).Value);
    }

    [Fact]
    public async Task AFailedMessageComesBackAfterTheVisibilityTimeoutAndIsDeletedOnceItSucceeds()
    {
        var recorder = new Recorder((_, dequeueCount, _) => dequeueCount == 1 ? throw new TimeoutException() : Task.CompletedTask);
        await Queue.CreateIfNotExistsAsync();
        await Queue.SendMessageAsync("work");

        await using (await StartHostAsync(recorder, new() { ["extensions:queues:visibilityTimeout"] = "00:00:02" }))
        {
            await Poll.UntilAsync(async () => recorder.Calls.Count == 2 && (await Queue.PeekMessagesAsync()).Value.Length == 0);
        }

        var calls = recorder.Calls.ToArray();
        Assert.Equal(2, calls.Length);
        Assert.True(calls[1].At - calls[0].At >= TimeSpan.FromSeconds(1.9), $"retried after {calls[1].At - calls[0].At}");
        Assert.False((await PoisonQueue.ExistsAsync()).Value && (await PoisonQueue.PeekMessagesAsync()).Value.Length > 0);
    }

    [Fact]
    public async Task TwoHostsOnOneQueueServeEachMessageOnceWhileItIsProcessed()
    {
        // Each message takes longer than the hosts' polling interval: a message in progress must stay invisible to
        // the other host, as it does between the instances of a scaled-out Functions app.
        var first = new Recorder((_, _, ct) => Task.Delay(TimeSpan.FromSeconds(1), ct));
        var second = new Recorder((_, _, ct) => Task.Delay(TimeSpan.FromSeconds(1), ct));
        await Queue.CreateIfNotExistsAsync();
        var messages = Enumerable.Range(0, 12).Select(i => $"message {i}").ToList();
        foreach (var message in messages)
        {
            await Queue.SendMessageAsync(message);
        }

        var settings = new Dictionary<string, string?> { ["extensions:queues:batchSize"] = "4", ["extensions:queues:newBatchThreshold"] = "2" };
        await using (await StartHostAsync(first, settings))
        await using (await StartHostAsync(second, settings))
        {
            await Poll.UntilAsync(() => first.Calls.Count + second.Calls.Count >= messages.Count);
            await Poll.HoldsAsync(() => first.Calls.Count + second.Calls.Count == messages.Count, TimeSpan.FromSeconds(2));
        }

        Assert.Equal(messages.Order(), first.Calls.Concat(second.Calls).Select(c => c.Message).Order());
        Assert.All(first.Calls.Concat(second.Calls), c => Assert.Equal(1, c.DequeueCount));
    }

    [Fact]
    public async Task AnInvocationThatOutlivesFunctionTimeoutIsCancelledAndItsMessageServedAgain()
    {
        var recorder = new Recorder((_, dequeueCount, cancellationToken) =>
            dequeueCount == 1 ? Task.Delay(TimeSpan.FromMinutes(1), cancellationToken) : Task.CompletedTask);
        await Queue.CreateIfNotExistsAsync();
        await Queue.SendMessageAsync("slow work");

        await using (await StartHostAsync(recorder, new() { ["functionTimeout"] = "00:00:01" }))
        {
            await Poll.UntilAsync(async () => recorder.Calls.Count == 2 && (await Queue.PeekMessagesAsync()).Value.Length == 0);
        }

        var calls = recorder.Calls.ToArray();
        Assert.Equal([1L, 2L], calls.Select(c => c.DequeueCount));
        Assert.True(calls[1].At - calls[0].At < TimeSpan.FromSeconds(15), $"retried after {calls[1].At - calls[0].At}");
    }

    [Fact]
    public async Task TheStandaloneHostCreatesTheFollowUpQueuesOfAFreshStorageAccountAtStartUp()
    {
        await using var fresh = await Azurite.StartAsync();
        await using var app = new OneTimeNotifApplication(fresh);
        app.StartServer();
        var queues = new QueueServiceClient(fresh.ConnectionString);

        await Poll.UntilAsync(async () =>
            (await queues.GetQueueClient(FollowUpQueueClient.QueueName).ExistsAsync()).Value &&
            (await queues.GetQueueClient(FollowUpQueueClient.PoisonQueueName).ExistsAsync()).Value);
    }

    [Fact]
    public async Task AHostWhoseQueueSettingsAskForBase64MessagesRefusesToStartAndSaysWhy()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await StartHostAsync(new Recorder((_, _, _) => Task.CompletedTask), new() { ["extensions:queues:messageEncoding"] = "base64" });
        });

        Assert.Contains("messageEncoding must be \"none\"", failure.ToString(), StringComparison.Ordinal);
    }

    private async Task<AsyncHost> StartHostAsync(Recorder recorder, Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OtnStorage"] = storage.Azurite.ConnectionString,
            [QueueSetting] = _queueName,
            ["extensions:queues:maxPollingInterval"] = "00:00:00.200",
            ["extensions:queues:messageEncoding"] = "none",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        builder.Services.AddSingleton(recorder);
        builder.Services.AddWebJobsTriggers(builder.Configuration, typeof(RecordingTrigger));
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new AsyncHost(host);
    }

    private sealed class AsyncHost(IHost host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    public sealed record Invocation(string Message, long DequeueCount, DateTime At);

    /// <summary>What the recording function was handed, and what it should do with it.</summary>
    public sealed class Recorder(Func<string, long, CancellationToken, Task> handle)
    {
        public ConcurrentQueue<Invocation> Calls { get; } = new();

        public Task HandleAsync(string message, long dequeueCount, CancellationToken cancellationToken)
        {
            Calls.Enqueue(new Invocation(message, dequeueCount, DateTime.UtcNow));
            return handle(message, dequeueCount, cancellationToken);
        }
    }

    /// <summary>Public with a public method, as the WebJobs SDK requires of a function class.</summary>
    public sealed class RecordingTrigger(Recorder recorder)
    {
        [FunctionName("Record")]
        public Task Run([QueueTrigger("%" + QueueSetting + "%", Connection = "OtnStorage")] string message, long dequeueCount, CancellationToken cancellationToken) =>
            recorder.HandleAsync(message, dequeueCount, cancellationToken);
    }
}
