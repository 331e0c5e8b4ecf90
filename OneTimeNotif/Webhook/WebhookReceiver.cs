using Microsoft.Extensions.Logging;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.Webhook;

/// <summary>Turns one signed webhook POST into stored tokens. Host-agnostic: both hosts' endpoints call it.</summary>
public sealed class WebhookReceiver(WebhookSignature signature, TokenStore store, TimeProvider time, ILogger<WebhookReceiver> logger)
{
    public async Task<WebhookOutcome> ReceiveAsync(ReadOnlyMemory<byte> body, string? signatureHeader, CancellationToken cancellationToken = default)
    {
        switch (signature.Check(body.Span, signatureHeader))
        {
            case SignatureCheck.Missing:
                WebhookLog.SignatureMissing(logger);
                return WebhookOutcome.Rejected(WebhookStatus.Unauthorized, $"The {WebhookSignature.HeaderName} header is missing.");
            case SignatureCheck.Invalid:
                WebhookLog.SignatureInvalid(logger, body.Length);
                return WebhookOutcome.Rejected(WebhookStatus.Unauthorized, $"The {WebhookSignature.HeaderName} header does not match the body.");
        }

        if (!WebhookEnvelope.TryReadOptIns(body, time.GetUtcNow(), out var batch, out var error))
        {
            WebhookLog.Malformed(logger, body.Length);
            return WebhookOutcome.Rejected(WebhookStatus.Malformed, error);
        }
        if (batch.Unusable > 0)
        {
            WebhookLog.UnusableOptIns(logger, batch.Unusable);
        }

        try
        {
            var saved = await store.SaveAsync(batch.OptIns, cancellationToken).ConfigureAwait(false);
            WebhookLog.Received(logger, batch.OptIns.Count, saved.Stored, saved.AlreadyStored, saved.Changed, batch.Ignored);
            return new WebhookOutcome(WebhookStatus.Accepted, null, saved);
        }
        catch (Exception exception) when (StorageFailure.IsStorageFault(exception))
        {
            // A 5xx makes Meta deliver the batch again; the store's idempotence makes that retry safe.
            WebhookLog.StorageUnavailable(logger, batch.OptIns.Count, exception);
            return WebhookOutcome.Rejected(WebhookStatus.StorageUnavailable, "Storage is unavailable; the events were not stored.");
        }
    }
}

public enum WebhookStatus
{
    Accepted,
    Unauthorized,
    Malformed,
    StorageUnavailable,
}

public sealed record WebhookOutcome(WebhookStatus Status, string? Reason, SaveResult Saved)
{
    public static WebhookOutcome Rejected(WebhookStatus status, string? reason) => new(status, reason, default);
}
