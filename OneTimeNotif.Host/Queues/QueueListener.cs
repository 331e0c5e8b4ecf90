using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Options;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Host.Queues;

/// <summary>
/// What the Azure Functions queue trigger does, for the standalone host: receives in batches, runs messages in
/// parallel up to a threshold, keeps each invisible while it runs, makes a failed one visible again after
/// <c>visibilityTimeout</c>, moves it to the poison queue after <c>maxDequeueCount</c> attempts, and backs off
/// polling while the queue is empty. Several hosts on one queue compete for messages safely.
/// </summary>
public sealed partial class QueueListener(
    QueueClient queue,
    Func<QueueMessage, string, CancellationToken, Task> poison,
    Func<QueueMessage, CancellationToken, Task> handle,
    QueueListenerOptions options,
    ILogger logger)
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var running = new HashSet<Task>();
        var wait = MinPollingInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveWhere(t => t.IsCompleted);
            if (running.Count > options.BatchThreshold)
            {
                await Task.WhenAny(running).ConfigureAwait(false);
                continue;
            }
            var messages = await ReceiveAsync(stoppingToken).ConfigureAwait(false);
            if (messages.Length == 0)
            {
                await Sleep(wait, stoppingToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, options.MaxPollingInterval.Ticks));
                continue;
            }
            wait = MinPollingInterval;
            foreach (var message in messages)
            {
                running.Add(ProcessAsync(message, stoppingToken));
            }
        }
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task<QueueMessage[]> ReceiveAsync(CancellationToken stoppingToken)
    {
        try
        {
            var response = await queue.ReceiveMessagesAsync(options.BatchSize, options.ProcessingLease, stoppingToken).ConfigureAwait(false);
            return response.Value;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping while a receive was in flight: nothing was taken, the loop ends.
            return [];
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            // A fresh storage account: the queue appears on first use, as with Functions.
            await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
            return [];
        }
        catch (Exception e) when (StorageFailure.IsStorageFault(e))
        {
            // The queue is unreachable; polling backs off as if it were empty, and the host stays up.
            LogReceiveFailed(logger, queue.Name, e);
            return [];
        }
    }

    private async Task ProcessAsync(QueueMessage message, CancellationToken stoppingToken)
    {
        var lease = new MessageLease(queue, message, options.ProcessingLease);
        try
        {
            await using (lease.ConfigureAwait(false))
            {
                await handle(message, stoppingToken).ConfigureAwait(false);
            }
            await queue.DeleteMessageAsync(message.MessageId, lease.PopReceipt, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the message becomes visible again when its lease runs out, and is retried.
        }
        catch (Exception e)
        {
            await FailAsync(message, lease.PopReceipt, e).ConfigureAwait(false);
        }
    }

    private async Task FailAsync(QueueMessage message, string popReceipt, Exception failure)
    {
        try
        {
            if (message.DequeueCount >= options.MaxDequeueCount)
            {
                var reason = $"Failed {message.DequeueCount} times; last error: {Describe(failure)}.";
                await poison(message, reason, CancellationToken.None).ConfigureAwait(false);
                await queue.DeleteMessageAsync(message.MessageId, popReceipt, CancellationToken.None).ConfigureAwait(false);
                LogPoisoned(logger, queue.Name, message.MessageId, message.DequeueCount, failure);
                return;
            }
            await queue.UpdateMessageAsync(message.MessageId, popReceipt, visibilityTimeout: options.VisibilityTimeout, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            LogFailed(logger, queue.Name, message.MessageId, message.DequeueCount, failure);
        }
        catch (Exception e) when (StorageFailure.IsStorageFault(e))
        {
            // The message reappears when its lease runs out and is counted again then.
            LogReceiveFailed(logger, queue.Name, e);
        }
    }

    /// <summary>The exception's kind, without its message: messages can carry what was being processed.</summary>
    private static string Describe(Exception failure) =>
        failure is Azure.RequestFailedException r ? $"{failure.GetType().Name} {r.Status} {r.ErrorCode}" : failure.GetType().Name;

    private static async Task Sleep(TimeSpan wait, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(wait, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop condition ends the listener.
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Could not reach queue {Queue}; polling backs off")]
    private static partial void LogReceiveFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Message {MessageId} on {Queue} failed (attempt {DequeueCount}); it will be retried")]
    private static partial void LogFailed(ILogger logger, string queue, string messageId, long dequeueCount, Exception exception);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "Message {MessageId} on {Queue} failed {DequeueCount} times; moved to the poison queue")]
    private static partial void LogPoisoned(ILogger logger, string queue, string messageId, long dequeueCount, Exception exception);
}
