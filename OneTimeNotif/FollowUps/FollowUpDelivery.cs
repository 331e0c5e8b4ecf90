using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneTimeNotif.SendApi;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// Delivers one job to one user: binds one token to (job, user) durably before calling Meta, so a retry, a crash
/// or a second worker reuses that binding instead of spending another token, then records Meta's answer.
/// </summary>
public sealed class FollowUpDelivery(StorageTables tables, TokenStore tokenStore, SendApiClient sendApi, TimeProvider time, ILogger<FollowUpDelivery> logger)
{
    private const int MaxBindAttempts = 4;

    private TableClient Tokens => tables.Tokens;

    /// <param name="userTokens">The user's token rows in the topic, as last read; refreshed here when stale.</param>
    /// <param name="finalAttempt">Transient failures count as failed instead of asking for a retry.</param>
    /// <param name="probation">
    /// No send of the segment has succeeded yet: a refusal that may be about the Page rather than this user is held
    /// (<see cref="UserOutcomeKind.Held"/>), neither spent nor recorded, for the <see cref="PageRefusalBreaker"/>.
    /// </param>
    internal async Task<UserOutcome> DeliverAsync(FollowUpJob job, string psid, IReadOnlyList<TokenEntity> userTokens, bool finalAttempt, bool probation, CancellationToken cancellationToken)
    {
        var binding = await BindAsync(job, psid, userTokens, cancellationToken).ConfigureAwait(false);
        if (binding is null)
        {
            return UserOutcome.NoToken;
        }
        var delivery = binding.Delivery;
        if (delivery.State != DeliveryState.Bound)
        {
            return UserOutcome.AlreadyFinished;
        }

        var token = binding.Token ?? await ReadBoundTokenAsync(delivery, cancellationToken).ConfigureAwait(false);
        if (token is null || token.ExpiresAt <= time.GetUtcNow())
        {
            // Invariant: an expired token is never sent, even one bound while it was live.
            await FinishAsync(delivery, token, DeliveryState.TokenRejected, null, "The bound token expired before it could be sent.", spend: token is not null, cancellationToken).ConfigureAwait(false);
            return UserOutcome.Finished(DeliveryState.TokenRejected);
        }

        var result = await sendApi.SendWithTokenAsync(job.PageId, token.Token, job.Message, cancellationToken).ConfigureAwait(false);
        if (probation && result.Status == SendStatus.TokenRejected && result.MayConcernThePage)
        {
            return UserOutcome.HeldRefusal(new HeldRefusal(delivery, token, result));
        }
        return await RecordAsync(delivery, token, result, finalAttempt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A held refusal turned out to be this user's (another send of the job succeeded): recorded as it came.</summary>
    internal Task<UserOutcome> RecordHeldAsync(HeldRefusal held, CancellationToken cancellationToken) =>
        RecordAsync(held.Delivery, held.Token, held.Result, finalAttempt: false, cancellationToken);

    /// <summary>
    /// Ends a binding whose send Meta refused for a reason that is not the user's: the delivery record goes and the
    /// token is free again, for this job when it resumes and for any other job meanwhile. A binding another worker
    /// finished meanwhile (sent, say) is left as it is.
    /// </summary>
    internal async Task ReleaseAsync(DeliveryEntity delivery, TokenEntity token, CancellationToken cancellationToken)
    {
        if (await OpenBindingETagAsync(delivery, cancellationToken).ConfigureAwait(false) is not { } open)
        {
            return;
        }
        try
        {
            await Tokens.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Delete, delivery, open),
                    new TableTransactionAction(TableTransactionActionType.UpdateMerge, TokenChange(token, spend: false, time.GetUtcNow()), ETag.All),
                ],
                cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
        {
            // Another worker finished this (job, user) between the read and the write: its outcome stands.
        }
    }

    private async Task<UserOutcome> RecordAsync(DeliveryEntity delivery, TokenEntity token, SendResult result, bool finalAttempt, CancellationToken cancellationToken)
    {
        switch (result.Status)
        {
            case SendStatus.Sent:
                await FinishAsync(delivery, token, DeliveryState.Sent, result.MessageId, null, spend: true, cancellationToken).ConfigureAwait(false);
                return UserOutcome.Finished(DeliveryState.Sent);
            case SendStatus.TokenRejected:
                // Possibly spent by our own earlier call whose answer was lost: trying the user's next token
                // could message them twice, so this job is done with this user.
                await FinishAsync(delivery, token, DeliveryState.TokenRejected, null, result.Reason, spend: true, cancellationToken).ConfigureAwait(false);
                return UserOutcome.Finished(DeliveryState.TokenRejected);
            case SendStatus.UserUnavailable:
                await FinishAsync(delivery, token, DeliveryState.UserUnavailable, null, result.Reason, spend: false, cancellationToken).ConfigureAwait(false);
                return UserOutcome.Finished(DeliveryState.UserUnavailable);
            case SendStatus.Throttled:
                // Meta's limits and the Page's budget pass: a throttled user is retried, never failed for it.
                return UserOutcome.Retry(result.Reason, result.RetryAfter ?? TimeSpan.Zero);
            case SendStatus.Transient when !finalAttempt:
                return UserOutcome.Retry(result.Reason);
            case SendStatus.ConfigurationFault or SendStatus.MessageRejected:
                // Meta refused the call itself, so the token was not used: free it, the job stops.
                await ReleaseAsync(delivery, token, cancellationToken).ConfigureAwait(false);
                return UserOutcome.Stop(result.Reason);
            default:
                await FinishAsync(delivery, token, DeliveryState.Failed, null, result.Reason, spend: false, cancellationToken).ConfigureAwait(false);
                return UserOutcome.Finished(DeliveryState.Failed);
        }
    }

    /// <summary>
    /// Returns this (job, user)'s delivery record, binding the earliest-expiring available token when there is none
    /// yet. A fresh binding comes with its token: the transaction succeeded on the token's ETag, so the row read is
    /// still the stored one and reading it again would only cost a storage call per user.
    /// </summary>
    private async Task<Binding?> BindAsync(FollowUpJob job, string psid, IReadOnlyList<TokenEntity> userTokens, CancellationToken cancellationToken)
    {
        var partition = TokenKeys.Partition(job.PageId, job.Payload);
        var deliveryRow = DeliveryEntity.RowFor(job.JobId, psid);
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            // Recurring tokens are sent differently (their own recipient field, a cooldown instead of spending) and
            // are not delivered yet: an OTN send would only make Meta refuse them.
            var candidate = userTokens.Where(t => !t.IsRecurring && t.IsAvailableAt(now)).MinBy(t => t.ExpiresAt);
            if (candidate is null)
            {
                return await FindBindingAsync(partition, deliveryRow, cancellationToken).ConfigureAwait(false);
            }
            var delivery = new DeliveryEntity
            {
                PartitionKey = partition,
                RowKey = deliveryRow,
                JobId = job.JobId,
                Psid = psid,
                TokenRowKey = candidate.RowKey,
                BoundAt = now,
            };
            var reserve = new TableEntity(partition, candidate.RowKey) { [nameof(TokenEntity.BoundJobId)] = job.JobId };
            var userRow = new TableEntity(partition, DeliveryEntity.UserRowFor(job.JobId, psid));
            try
            {
                // One entity-group transaction: the token is reserved (if unchanged since read) and the binding
                // recorded together, or neither. The record's twin row lets an erasure find it by user; it is upserted,
                // so one left behind by an interrupted purge never blocks a binding.
                await Tokens.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.UpdateMerge, reserve, candidate.ETag),
                        new TableTransactionAction(TableTransactionActionType.Add, delivery),
                        new TableTransactionAction(TableTransactionActionType.UpsertReplace, userRow),
                    ],
                    cancellationToken).ConfigureAwait(false);
                return new Binding(delivery, candidate);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // The token is gone since it was read: the user was erased (or the token purged). Nothing was written.
                return null;
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                // This (job, user) is bound already (an earlier attempt, or another worker): follow that binding.
                return await FindBindingAsync(partition, deliveryRow, cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 412 && attempt < MaxBindAttempts)
            {
                // The token changed since it was read (another job reserved it): read the user's tokens again.
                userTokens = await tokenStore.ReadUserTokensAsync(partition, psid, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>An existing binding, made by an earlier attempt or another worker: its token is read when needed.</summary>
    private async Task<Binding?> FindBindingAsync(string partition, string row, CancellationToken cancellationToken) =>
        (await Tokens.GetEntityIfExistsAsync<DeliveryEntity>(partition, row, cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull() is { } delivery
            ? new Binding(delivery, null)
            : null;

    private async Task<TokenEntity?> ReadBoundTokenAsync(DeliveryEntity delivery, CancellationToken cancellationToken) =>
        (await Tokens.GetEntityIfExistsAsync<TokenEntity>(delivery.PartitionKey, delivery.TokenRowKey, cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull();

    /// <param name="Token">The bound token as stored, when this call made the binding; null when it must be read.</param>
    private sealed record Binding(DeliveryEntity Delivery, TokenEntity? Token);

    /// <summary>Records the outcome and what it means for the token, atomically.</summary>
    /// <param name="spend">Meta took the message or refused the token: never use it again. Otherwise the token is released for other jobs.</param>
    /// <remarks>
    /// Two workers can serve one (job, user) at once (a duplicated queue message): the second follows the first's
    /// binding, sends the same token, and Meta refuses it because the first just spent it. Sent is the truth
    /// whoever else finished, so it is always written; any other outcome only over a binding still open, so the
    /// second worker's refusal never overwrites the first worker's Sent.
    /// </remarks>
    private async Task FinishAsync(DeliveryEntity delivery, TokenEntity? token, string state, string? messageId, string? reason, bool spend, CancellationToken cancellationToken)
    {
        var recordETag = state == DeliveryState.Sent ? ETag.All : await OpenBindingETagAsync(delivery, cancellationToken).ConfigureAwait(false);
        if (recordETag is null)
        {
            return;
        }
        var now = time.GetUtcNow();
        var record = new TableEntity(delivery.PartitionKey, delivery.RowKey)
        {
            [nameof(DeliveryEntity.State)] = state,
            [nameof(DeliveryEntity.MessageId)] = messageId,
            [nameof(DeliveryEntity.Reason)] = reason,
            [nameof(DeliveryEntity.FinishedAt)] = now,
        };
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateMerge, record, recordETag.Value) };
        if (token is not null)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, TokenChange(token, spend, now), ETag.All));
        }
        try
        {
            await Tokens.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 412)
        {
            // The other worker finished this (job, user) between the read and the write: its outcome stands.
            return;
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            // The user was erased while the message was in flight: the merges need the rows to exist, so nothing of
            // theirs is written back.
            return;
        }
        FollowUpLog.UserFinished(logger, delivery.JobId, state);
    }

    /// <returns>The delivery record's ETag while it is still bound; null once any worker has finished it.</returns>
    private async Task<ETag?> OpenBindingETagAsync(DeliveryEntity delivery, CancellationToken cancellationToken)
    {
        var current = (await Tokens.GetEntityIfExistsAsync<DeliveryEntity>(delivery.PartitionKey, delivery.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull();
        return current is { State: DeliveryState.Bound } ? current.ETag : null;
    }

    private static TableEntity TokenChange(TokenEntity token, bool spend, DateTimeOffset now)
    {
        var change = new TableEntity(token.PartitionKey, token.RowKey);
        if (spend)
        {
            change[nameof(TokenEntity.SpentAt)] = now;
        }
        else
        {
            change[nameof(TokenEntity.BoundJobId)] = "";
        }
        return change;
    }
}

/// <summary>What happened for one user of a job.</summary>
/// <param name="State">For <see cref="UserOutcomeKind.Finished"/>: the delivery state recorded.</param>
internal sealed record UserOutcome(UserOutcomeKind Kind, string? State = null, string? Reason = null)
{
    public static readonly UserOutcome NoToken = new(UserOutcomeKind.NoToken);
    public static readonly UserOutcome AlreadyFinished = new(UserOutcomeKind.AlreadyFinished);

    /// <summary>Not started: an earlier user of the segment was throttled or must stop the job.</summary>
    public static readonly UserOutcome HeldBackForRetry = new(UserOutcomeKind.Retry, Reason: "held back after a throttled or stopping call") { HeldBack = true };

    public bool HeldBack { get; init; }

    public static UserOutcome Finished(string state) => new(UserOutcomeKind.Finished, state);

    /// <param name="throttledFor">Set when the Page's budget or Meta's limit held the user back: come back after this long.</param>
    public static UserOutcome Retry(string? reason, TimeSpan? throttledFor = null) => new(UserOutcomeKind.Retry, Reason: reason) { ThrottledFor = throttledFor };

    /// <summary>For a <see cref="UserOutcomeKind.Retry"/> caused by throttling: how long until the Page's budget is expected back.</summary>
    public TimeSpan? ThrottledFor { get; init; }

    public static UserOutcome Stop(string? reason) => new(UserOutcomeKind.Stop, Reason: reason);

    public static UserOutcome HeldRefusal(HeldRefusal held) => new(UserOutcomeKind.Held) { Held = held };

    /// <summary>For <see cref="UserOutcomeKind.Held"/>: the binding and Meta's answer, until the breaker decides.</summary>
    public HeldRefusal? Held { get; init; }
}

internal enum UserOutcomeKind
{
    /// <summary>The user has no available token on the topic: not a recipient of this job.</summary>
    NoToken,

    /// <summary>An earlier attempt or another worker already finished this (job, user).</summary>
    AlreadyFinished,

    Finished,

    /// <summary>Throttled or a transient failure: the binding stays, the segment is tried again later.</summary>
    Retry,

    /// <summary>A configuration fault or a refused message: the job stops before spending more tokens.</summary>
    Stop,

    /// <summary>Refused with a code that may be about the Page, before any send of the segment succeeded: not recorded yet.</summary>
    Held,
}

/// <summary>A refusal held while the segment's first sends decide whether it is about the Page or about this user.</summary>
internal sealed record HeldRefusal(DeliveryEntity Delivery, TokenEntity Token, SendResult Result);
