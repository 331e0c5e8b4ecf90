using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace OneTimeNotif.Host.Queues;

/// <summary>
/// Keeps a message invisible while it is processed by extending its visibility at half-time, as the Functions
/// host does; the pop receipt changes with each extension, so deleting or updating uses <see cref="PopReceipt"/>.
/// </summary>
internal sealed class MessageLease : IAsyncDisposable
{
    private readonly QueueClient _queue;
    private readonly string _messageId;
    private readonly TimeSpan _duration;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;

    public MessageLease(QueueClient queue, QueueMessage message, TimeSpan duration)
    {
        _queue = queue;
        _messageId = message.MessageId;
        _duration = duration;
        PopReceipt = message.PopReceipt;
        _renewal = RenewAsync(_stop.Token);
    }

    public string PopReceipt { get; private set; }

    private async Task RenewAsync(CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_duration / 2, stop).ConfigureAwait(false);
                var receipt = await _queue.UpdateMessageAsync(_messageId, PopReceipt, visibilityTimeout: _duration, cancellationToken: stop).ConfigureAwait(false);
                PopReceipt = receipt.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException)
        {
            // Processing ended.
        }
        catch (Azure.RequestFailedException)
        {
            // Storage refused the renewal (unreachable, or the message was taken over after an expired lease):
            // processing goes on, and at-least-once delivery plus idempotent handling cover a second run.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false);
        _stop.Dispose();
    }
}
