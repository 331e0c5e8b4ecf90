using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using OneTimeNotif.SendApi;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// Delivers one job to one user: binds one token to (job, user) durably before calling Meta, so a retry, a crash
/// or a second worker reuses that binding instead of spending another token, then records Meta's answer. Every
/// binding ends: spent when the call may have reached Meta, released (in the same transaction that records the
/// outcome) when it cannot have.
/// </summary>
public sealed class FollowUpDelivery(StorageTables tables, TokenStore tokenStore, SendApiClient sendApi, JobStateGate gate, TimeProvider time, ILogger<FollowUpDelivery> logger)
{
    private const int MaxBindAttempts = 4;

    private TableClient Tokens => tables.Tokens;

    /// <param name="userTokens">The user's token rows in the topic, as last read; refreshed here when stale.</param>
    /// <param name="finalAttempt">Throttling and transient failures end the user instead of asking for a retry.</param>
    internal async Task<UserOutcome> DeliverAsync(FollowUpJob job, string psid, IReadOnlyList<TokenEntity> userTokens, bool finalAttempt, CancellationToken cancellationToken)
    {
        // Cheap (the gate remembers the state briefly): a stopped or cancelled job binds no more tokens.
        if (!await gate.IsRunningAsync(job.JobId, cancellationToken).ConfigureAwait(false))
        {
            return await CloseAsync(job, psid, cancellationToken).ConfigureAwait(false);
        }
        var binding = await BindAsync(job, psid, userTokens, cancellationToken).ConfigureAwait(false);
        if (binding is null)
        {
            return UserOutcome.NoToken;
        }
        var delivery = binding.Delivery;
        if (delivery.State != DeliveryState.Bound)
        {
            return UserOutcome.Finished(delivery.State);
        }

        var token = binding.Token ?? await ReadBoundTokenAsync(delivery, cancellationToken).ConfigureAwait(false);
        if (token is null || token.ExpiresAt <= time.GetUtcNow())
        {
            // Invariant: an expired token is never sent, even one bound while it was live.
            return await FinishAsync(delivery, token, DeliveryState.TokenRejected, null, "The bound token expired before it could be sent.", spend: token is not null, cancellationToken).ConfigureAwait(false);
        }

        var result = await sendApi.SendWithTokenAsync(job.PageId, token.Token, job.Message, ct => gate.IsRunningAsync(job.JobId, ct), cancellationToken).ConfigureAwait(false);
        return await RecordAsync(job, delivery, token, result, finalAttempt, cancellationToken).ConfigureAwait(false);
    }

    private async Task<UserOutcome> RecordAsync(FollowUpJob job, DeliveryEntity delivery, TokenEntity token, SendResult result, bool finalAttempt, CancellationToken cancellationToken)
    {
        switch (result.Status)
        {
            case SendStatus.Sent:
                return await FinishAsync(delivery, token, DeliveryState.Sent, result.MessageId, null, spend: true, cancellationToken).ConfigureAwait(false);
            case SendStatus.TokenRejected:
                // Possibly spent by our own earlier call whose answer was lost: trying the user's next token
                // could message them twice, so this job is done with this user.
                return await FinishAsync(delivery, token, DeliveryState.TokenRejected, null, result.Reason, spend: true, cancellationToken).ConfigureAwait(false);
            case SendStatus.UserUnavailable:
                return await FinishAsync(delivery, token, DeliveryState.UserUnavailable, null, result.Reason, spend: false, cancellationToken).ConfigureAwait(false);
            case SendStatus.Transient when finalAttempt:
                // Meta may have delivered and spent the token: released, the next job would have it refused and,
                // by rule, not try the user's other token. Kept spent, the user is told apart as unknown.
                return await FinishAsync(delivery, token, DeliveryState.Unknown, null, result.Reason, spend: true, cancellationToken).ConfigureAwait(false);
            case SendStatus.Transient:
                await MarkMayHaveReachedMetaAsync(delivery, cancellationToken).ConfigureAwait(false);
                return UserOutcome.Retry(result.Reason);
            case SendStatus.Throttled when !finalAttempt:
                return UserOutcome.Retry(result.Reason);
            case SendStatus.NotStarted:
                return await CloseAsync(job, delivery.Psid, cancellationToken).ConfigureAwait(false);
            case SendStatus.ConfigurationFault or SendStatus.MessageRejected:
                // Meta refused the call before it touched the token: the binding is released, the job stops.
                var released = await ReleaseAsync(delivery, cancellationToken).ConfigureAwait(false);
                return UserOutcome.Stop(result.Reason, released);
            default:
                return await FinishAsync(delivery, token, DeliveryState.Failed, null, result.Reason, spend: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends this (job, user)'s open binding because the job is no longer running: released when no call with it can
    /// have reached Meta; when one may have, kept for a stopped job (resuming follows it) and recorded as
    /// <see cref="DeliveryState.Unknown"/>, token spent, for a cancelled one.
    /// </summary>
    internal async Task<UserOutcome> CloseAsync(FollowUpJob job, string psid, CancellationToken cancellationToken)
    {
        var delivery = await FindDeliveryAsync(TokenKeys.Partition(job.PageId, job.Payload), DeliveryEntity.RowFor(job.JobId, psid), cancellationToken).ConfigureAwait(false);
        if (delivery is null)
        {
            return UserOutcome.Halted(null);
        }
        if (delivery.State != DeliveryState.Bound)
        {
            return UserOutcome.Finished(delivery.State);
        }
        if (!delivery.MayHaveReachedMeta)
        {
            return UserOutcome.Halted(await ReleaseAsync(delivery, cancellationToken).ConfigureAwait(false));
        }
        if (await gate.CurrentStateAsync(job.JobId, cancellationToken).ConfigureAwait(false) is JobState.Cancelled or null)
        {
            var token = await ReadBoundTokenAsync(delivery, cancellationToken).ConfigureAwait(false);
            var closed = await FinishAsync(delivery, token, DeliveryState.Unknown, null, "The job was cancelled after a call that may have reached Meta.", spend: true, cancellationToken).ConfigureAwait(false);
            return UserOutcome.Halted(closed.Recorded);
        }
        return UserOutcome.Halted(DeliveryState.Bound);
    }

    /// <summary>
    /// Deletes a binding no call used and frees its token for later jobs, in one transaction, unless the record
    /// changed since it was read (another worker finished it).
    /// </summary>
    /// <returns>The record's state afterwards: null when released, else what the other worker recorded.</returns>
    private async Task<DeliveryState?> ReleaseAsync(DeliveryEntity delivery, CancellationToken cancellationToken)
    {
        var current = await FindDeliveryAsync(delivery.PartitionKey, delivery.RowKey, cancellationToken).ConfigureAwait(false);
        if (current is not { State: DeliveryState.Bound, MayHaveReachedMeta: false })
        {
            return current?.State;
        }
        var unbind = new TableEntity(current.PartitionKey, current.TokenRowKey) { [nameof(TokenEntity.BoundJobId)] = "" };
        try
        {
            await Tokens.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Delete, current, current.ETag),
                    new TableTransactionAction(TableTransactionActionType.UpdateMerge, unbind, ETag.All),
                ],
                cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedTransactionActionIndex == 1)
        {
            // The token itself is gone (purged at its expiry): the binding goes alone.
            await Tokens.DeleteEntityAsync(current.PartitionKey, current.RowKey, current.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
        {
            return (await FindDeliveryAsync(delivery.PartitionKey, delivery.RowKey, cancellationToken).ConfigureAwait(false))?.State;
        }
        FollowUpLog.BindingReleased(logger, delivery.JobId);
        return null;
    }

    private async Task MarkMayHaveReachedMetaAsync(DeliveryEntity delivery, CancellationToken cancellationToken)
    {
        var mark = new TableEntity(delivery.PartitionKey, delivery.RowKey) { [nameof(DeliveryEntity.MayHaveReachedMeta)] = true };
        try
        {
            await Tokens.UpdateEntityAsync(mark, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Another worker released it: it has no token left to protect.
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
        await FindDeliveryAsync(partition, row, cancellationToken).ConfigureAwait(false) is { } delivery
            ? new Binding(delivery, null)
            : null;

    private async Task<DeliveryEntity?> FindDeliveryAsync(string partition, string row, CancellationToken cancellationToken) =>
        (await Tokens.GetEntityIfExistsAsync<DeliveryEntity>(partition, row, cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull();

    private async Task<TokenEntity?> ReadBoundTokenAsync(DeliveryEntity delivery, CancellationToken cancellationToken) =>
        (await Tokens.GetEntityIfExistsAsync<TokenEntity>(delivery.PartitionKey, delivery.TokenRowKey, cancellationToken: cancellationToken).ConfigureAwait(false)).ValueOrNull();

    /// <param name="Token">The bound token as stored, when this call made the binding; null when it must be read.</param>
    private sealed record Binding(DeliveryEntity Delivery, TokenEntity? Token);

    /// <summary>Records the outcome and what it means for the token, atomically; returns the outcome that stands.</summary>
    /// <param name="spend">Meta took the message, refused the token or may have used it: never use it again. Otherwise the token is released for other jobs.</param>
    /// <remarks>
    /// Two workers can serve one (job, user) at once (a duplicated queue message): the second follows the first's
    /// binding, sends the same token, and Meta refuses it because the first just spent it. Sent is the truth
    /// whoever else finished, so it is always written; any other outcome only over a binding still open, so the
    /// second worker's refusal never overwrites the first worker's Sent.
    /// </remarks>
    private async Task<UserOutcome> FinishAsync(DeliveryEntity delivery, TokenEntity? token, DeliveryState state, string? messageId, string? reason, bool spend, CancellationToken cancellationToken)
    {
        var current = state == DeliveryState.Sent ? null : await FindDeliveryAsync(delivery.PartitionKey, delivery.RowKey, cancellationToken).ConfigureAwait(false);
        if (state != DeliveryState.Sent && current is not { State: DeliveryState.Bound })
        {
            return UserOutcome.Finished(current?.State);
        }
        var now = time.GetUtcNow();
        var record = new TableEntity(delivery.PartitionKey, delivery.RowKey)
        {
            [nameof(DeliveryEntity.State)] = state.ToString(),
            [nameof(DeliveryEntity.MessageId)] = messageId,
            [nameof(DeliveryEntity.Reason)] = reason,
            [nameof(DeliveryEntity.FinishedAt)] = now,
        };
        var actions = new List<TableTransactionAction>();
        if (state == DeliveryState.Sent)
        {
            // An upsert: even a record a closing worker released while this call was under way says Sent again.
            record[nameof(DeliveryEntity.JobId)] = delivery.JobId;
            record[nameof(DeliveryEntity.Psid)] = delivery.Psid;
            record[nameof(DeliveryEntity.TokenRowKey)] = delivery.TokenRowKey;
            actions.Add(new(TableTransactionActionType.UpsertMerge, record));
        }
        else
        {
            actions.Add(new(TableTransactionActionType.UpdateMerge, record, current!.ETag));
        }
        if (token is not null)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, TokenChange(token, spend, now), ETag.All));
        }
        try
        {
            await Tokens.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
        {
            // The other worker finished (or released) this (job, user) between the read and the write: its outcome
            // stands. Or the user was erased while the message was in flight: the merges need the rows to exist, so
            // nothing of theirs is written back.
            return UserOutcome.Finished((await FindDeliveryAsync(delivery.PartitionKey, delivery.RowKey, cancellationToken).ConfigureAwait(false))?.State);
        }
        FollowUpLog.UserFinished(logger, delivery.JobId, state);
        return UserOutcome.Finished(state);
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
/// <param name="Recorded">The user's delivery state after this attempt; null when the user has no delivery record (no token, or released).</param>
internal sealed record UserOutcome(UserOutcomeKind Kind, DeliveryState? Recorded = null, string? Reason = null)
{
    public static readonly UserOutcome NoToken = new(UserOutcomeKind.NoToken);

    /// <summary>Not tried in this attempt (a throttled or stopping call held the rest back); no storage was read for the user.</summary>
    public static readonly UserOutcome HeldBack = new(UserOutcomeKind.HeldBack);

    public static UserOutcome Finished(DeliveryState? state) => new(UserOutcomeKind.Finished, state);

    public static UserOutcome Retry(string? reason) => new(UserOutcomeKind.Retry, DeliveryState.Bound, reason);

    public static UserOutcome Stop(string? reason, DeliveryState? recorded) => new(UserOutcomeKind.Stop, recorded, reason);

    public static UserOutcome Halted(DeliveryState? recorded) => new(UserOutcomeKind.Halted, recorded);
}

internal enum UserOutcomeKind
{
    /// <summary>The user has no available token on the topic: not a recipient of this job.</summary>
    NoToken,

    /// <summary>This attempt, an earlier one or another worker finished this (job, user).</summary>
    Finished,

    /// <summary>Throttled or a transient failure: the binding stays, the segment is tried again later.</summary>
    Retry,

    /// <summary>A configuration fault or a refused message: the job stops before spending more tokens.</summary>
    Stop,

    /// <summary>The job was no longer running when this user's turn came: the binding was closed, no call made.</summary>
    Halted,

    HeldBack,
}
