using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.SendApi;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// Delivers one job to one user: binds one token to (job, user) durably before calling Meta, so a retry, a crash
/// or a second worker reuses that binding instead of spending another token, then records Meta's answer. Every
/// binding ends: spent when the call may have reached Meta, released (in the same transaction that records the
/// outcome) when it cannot have. A recurring token is not spent by a message: binding marks it sent, so no other job
/// picks it within Meta's interval, and a user whose only usable token is cooling down is deferred.
/// </summary>
public sealed class FollowUpDelivery(
    StorageTables tables,
    TokenStore tokenStore,
    SendApiClient sendApi,
    JobStateGate gate,
    IOptionsMonitor<RecurringOptions> recurring,
    TimeProvider time,
    ILogger<FollowUpDelivery> logger)
{
    private const int MaxBindAttempts = 4;

    private TableClient Tokens => tables.Tokens;

    private TimeSpan Interval => recurring.CurrentValue.TokenInterval;

    /// <param name="userTokens">The user's token rows in the topic, as last read; refreshed here when stale.</param>
    /// <param name="finalAttempt">Transient failures end the user instead of asking for a retry; throttling never does.</param>
    /// <param name="probation">
    /// No send of the segment has succeeded yet: a refusal that may be about the Page rather than this user is held
    /// (<see cref="UserOutcomeKind.Held"/>), neither spent nor recorded, for the <see cref="PageRefusalBreaker"/>.
    /// </param>
    internal async Task<UserOutcome> DeliverAsync(FollowUpJob job, string psid, IReadOnlyList<TokenEntity> userTokens, bool finalAttempt, bool probation, CancellationToken cancellationToken)
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
        if (delivery.State == DeliveryState.Deferred)
        {
            return UserOutcome.Deferred(delivery.DeferredUntil);
        }
        if (delivery.State != DeliveryState.Bound)
        {
            return UserOutcome.Finished(delivery.State);
        }

        var token = binding.Token ?? await ReadBoundTokenAsync(delivery, cancellationToken).ConfigureAwait(false);
        if (token is null || token.ExpiresAt <= time.GetUtcNow())
        {
            // Invariant: an expired token is never sent, even one bound while it was live.
            return await FinishAsync(delivery, token, DeliveryState.TokenRejected, null, "The bound token expired before it could be sent.", TokenUse.Spent, cancellationToken).ConfigureAwait(false);
        }
        if (token.Stopped)
        {
            // The user stopped the recurring token after it was bound: a stopped token is never sent.
            return await FinishAsync(delivery, token, DeliveryState.UserUnavailable, null, "The user stopped notifications on this recurring token.", TokenUse.Unused, cancellationToken).ConfigureAwait(false);
        }

        Func<CancellationToken, ValueTask<bool>> mayStart = ct => gate.IsRunningAsync(job.JobId, ct);
        var result = token.IsRecurring
            ? await sendApi.SendWithRecurringTokenAsync(job.PageId, token.Token, job.Message, mayStart, cancellationToken).ConfigureAwait(false)
            : await sendApi.SendWithTokenAsync(job.PageId, token.Token, job.Message, mayStart, cancellationToken).ConfigureAwait(false);
        if (probation && result.Status == SendStatus.TokenRejected && result.MayConcernThePage)
        {
            // The binding stays open: recorded as it came if the refusal turns out to be this user's, released if the Page's.
            return UserOutcome.HeldRefusal(new HeldRefusal(job, delivery, token, result));
        }
        return await RecordAsync(job, delivery, token, result, finalAttempt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A held refusal turned out to be this user's (a send of the segment succeeded, or too few were refused alike): recorded as it came.</summary>
    internal Task<UserOutcome> RecordHeldAsync(HeldRefusal held, CancellationToken cancellationToken) =>
        RecordAsync(held.Job, held.Delivery, held.Token, held.Result, finalAttempt: false, cancellationToken);

    private async Task<UserOutcome> RecordAsync(FollowUpJob job, DeliveryEntity delivery, TokenEntity token, SendResult result, bool finalAttempt, CancellationToken cancellationToken)
    {
        switch (result.Status)
        {
            case SendStatus.Sent:
                return await FinishAsync(delivery, token, DeliveryState.Sent, result.MessageId, null, TokenUse.Used, cancellationToken).ConfigureAwait(false);
            case SendStatus.TokenRejected:
                // Possibly spent by our own earlier call whose answer was lost: trying the user's next token
                // could message them twice, so this job is done with this user.
                return await FinishAsync(delivery, token, DeliveryState.TokenRejected, null, result.Reason, TokenUse.Spent, cancellationToken).ConfigureAwait(false);
            case SendStatus.UserUnavailable:
                // 10/1893015 on a recurring token: the user stopped it, and no later job may try it.
                var stopped = token.IsRecurring && result.Error is { } error && SendErrorClassifier.IsStoppedNotifications(error);
                return await FinishAsync(delivery, token, DeliveryState.UserUnavailable, null, result.Reason, stopped ? TokenUse.Stopped : TokenUse.Unused, cancellationToken).ConfigureAwait(false);
            case SendStatus.TooSoon when delivery.MayHaveReachedMeta:
                // Our own earlier call, whose answer was lost, may be the message Meta counts: the user may have it.
                return await FinishAsync(delivery, token, DeliveryState.Unknown, null, result.Reason, TokenUse.Used, cancellationToken).ConfigureAwait(false);
            case SendStatus.TooSoon:
                // A message with this token reached Meta within its interval, not through this service's records (a
                // restored backup, another system): the user waits for the token to cool down, counted from now.
                return await FinishAsync(delivery, token, DeliveryState.Deferred, null, result.Reason, TokenUse.CoolingDown, cancellationToken).ConfigureAwait(false);
            case SendStatus.Transient when finalAttempt:
                // Meta may have delivered and spent the token: released, the next job would have it refused and,
                // by rule, not try the user's other token. Kept spent, the user is told apart as unknown.
                return await FinishAsync(delivery, token, DeliveryState.Unknown, null, result.Reason, TokenUse.Used, cancellationToken).ConfigureAwait(false);
            case SendStatus.Transient:
                await MarkMayHaveReachedMetaAsync(delivery, cancellationToken).ConfigureAwait(false);
                return UserOutcome.Retry(result.Reason);
            case SendStatus.Throttled:
                // Meta's limits and the Page's budget pass: a throttled user waits within the job's time budget, never
                // failed by a retry count.
                return UserOutcome.Throttled(result.Reason, result.RetryAfter ?? TimeSpan.Zero);
            case SendStatus.NotStarted:
                return await CloseAsync(job, delivery.Psid, cancellationToken).ConfigureAwait(false);
            case SendStatus.ConfigurationFault or SendStatus.MessageRejected:
                // Meta refused the call before it touched the token: the binding is released, the job stops.
                var released = await ReleaseAsync(delivery, cancellationToken).ConfigureAwait(false);
                return UserOutcome.Stop(result.Reason, released);
            default:
                return await FinishAsync(delivery, token, DeliveryState.Failed, null, result.Reason, TokenUse.Unused, cancellationToken).ConfigureAwait(false);
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
            var closed = await FinishAsync(delivery, token, DeliveryState.Unknown, null, "The job was cancelled after a call that may have reached Meta.", TokenUse.Used, cancellationToken).ConfigureAwait(false);
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
        var unbind = TokenChanges.Of(current, TokenUse.Unused, time.GetUtcNow());
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
    /// Returns this (job, user)'s delivery record, binding a token when there is none yet (<see cref="TokenChoice"/>:
    /// an OTN token first, else a recurring one not cooling down, the earliest-expiring of its kind), or recording the
    /// user deferred when their only usable token is cooling down. A deferred record is bound once a token is usable.
    /// A fresh binding comes with its token: the transaction succeeded on the token's ETag, so the row read is still
    /// the stored one and reading it again would only cost a storage call per user.
    /// </summary>
    private async Task<Binding?> BindAsync(FollowUpJob job, string psid, IReadOnlyList<TokenEntity> userTokens, CancellationToken cancellationToken)
    {
        var partition = TokenKeys.Partition(job.PageId, job.Payload);
        var deliveryRow = DeliveryEntity.RowFor(job.JobId, psid);
        DeliveryEntity? deferred = null;
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var candidate = TokenChoice.Pick(userTokens, now, Interval);
            if (candidate is null)
            {
                var until = TokenChoice.UsableAgainAt(userTokens, now, Interval);
                if (deferred is not null)
                {
                    // Still no usable token: the deferral stands, until the token cools down (null: it never will).
                    deferred.DeferredUntil = until;
                    return new Binding(deferred, null);
                }
                return until is null
                    ? await FindBindingAsync(partition, deliveryRow, cancellationToken).ConfigureAwait(false)
                    : await DeferAsync(job, psid, candidateRow: userTokens.First(t => t.IsCoolingDownAt(now, Interval)).RowKey, until.Value, cancellationToken).ConfigureAwait(false);
            }
            var delivery = new DeliveryEntity
            {
                PartitionKey = partition,
                RowKey = deliveryRow,
                JobId = job.JobId,
                Psid = psid,
                TokenRowKey = candidate.RowKey,
                BoundAt = now,
                // Binding marks a recurring token sent, before the call, so no other job picks it within the interval.
                TokenLastSentBefore = candidate.IsRecurring ? candidate.LastSent ?? TokenEntity.NeverSent : null,
            };
            var reserve = new TableEntity(partition, candidate.RowKey) { [nameof(TokenEntity.BoundJobId)] = job.JobId };
            if (candidate.IsRecurring)
            {
                reserve[nameof(TokenEntity.LastSentAt)] = now;
            }
            var userRow = new TableEntity(partition, DeliveryEntity.UserRowFor(job.JobId, psid));
            try
            {
                // One entity-group transaction: the token is reserved (if unchanged since read) and the binding
                // recorded together, or neither. The record's twin row lets an erasure find it by user; it is upserted,
                // so one left behind by an interrupted purge never blocks a binding. A deferred record is replaced on
                // its ETag, so two workers cannot both bind it.
                await Tokens.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.UpdateMerge, reserve, candidate.ETag),
                        deferred is null
                            ? new TableTransactionAction(TableTransactionActionType.Add, delivery)
                            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, delivery, deferred.ETag),
                        new TableTransactionAction(TableTransactionActionType.UpsertReplace, userRow),
                    ],
                    cancellationToken).ConfigureAwait(false);
                return new Binding(delivery, candidate);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404 && e.FailedTransactionActionIndex == 0)
            {
                // The token is gone since it was read: the user was erased (or the token purged). Nothing was written.
                return null;
            }
            catch (TableTransactionFailedException e) when (e.Status == 409 || (e.Status is 404 or 412 && e.FailedTransactionActionIndex == 1))
            {
                // This (job, user) has a record already (an earlier attempt, or another worker), or the deferred one
                // changed: follow a binding or an outcome; a deferred record is bound from here.
                var found = await FindDeliveryAsync(partition, deliveryRow, cancellationToken).ConfigureAwait(false);
                if (found is not { State: DeliveryState.Deferred } || attempt >= MaxBindAttempts)
                {
                    return found is null ? null : new Binding(found, null);
                }
                deferred = found;
            }
            catch (TableTransactionFailedException e) when (e.Status == 412 && attempt < MaxBindAttempts)
            {
                // The token changed since it was read (another job reserved it): read the user's tokens again.
                userTokens = await tokenStore.ReadUserTokensAsync(partition, psid, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Records the user deferred (no token bound): their only usable token is a recurring one cooling down until
    /// <paramref name="until"/>. An existing record (an earlier attempt, another worker) is followed instead.
    /// </summary>
    private async Task<Binding?> DeferAsync(FollowUpJob job, string psid, string candidateRow, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var partition = TokenKeys.Partition(job.PageId, job.Payload);
        var record = new DeliveryEntity
        {
            PartitionKey = partition,
            RowKey = DeliveryEntity.RowFor(job.JobId, psid),
            JobId = job.JobId,
            Psid = psid,
            TokenRowKey = candidateRow,
            State = DeliveryState.Deferred,
            DeferredUntil = until,
            BoundAt = time.GetUtcNow(),
        };
        try
        {
            await Tokens.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, record),
                    new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, DeliveryEntity.UserRowFor(job.JobId, psid))),
                ],
                cancellationToken).ConfigureAwait(false);
            FollowUpLog.UserFinished(logger, job.JobId, DeliveryState.Deferred);
            return new Binding(record, null);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            var found = await FindDeliveryAsync(partition, record.RowKey, cancellationToken).ConfigureAwait(false);
            if (found is { State: DeliveryState.Deferred })
            {
                found.DeferredUntil = until;
            }
            return found is null ? null : new Binding(found, null);
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

    /// <summary>The outcome a record found written (by another worker, or an earlier attempt) stands for.</summary>
    private static UserOutcome OutcomeOf(DeliveryEntity? record) =>
        record is { State: DeliveryState.Deferred } ? UserOutcome.Deferred(record.DeferredUntil) : UserOutcome.Finished(record?.State);

    /// <param name="Token">The bound token as stored, when this call made the binding; null when it must be read.</param>
    private sealed record Binding(DeliveryEntity Delivery, TokenEntity? Token);

    /// <summary>Records the outcome and what it means for the token, atomically; returns the outcome that stands.</summary>
    /// <param name="use">What the outcome means for the token (<see cref="TokenChanges"/>).</param>
    /// <remarks>
    /// Two workers can serve one (job, user) at once (a duplicated queue message): the second follows the first's
    /// binding, sends the same token, and Meta refuses it because the first just spent it. Sent is the truth
    /// whoever else finished, so it is always written; any other outcome only over a binding still open, so the
    /// second worker's refusal never overwrites the first worker's Sent.
    /// </remarks>
    private async Task<UserOutcome> FinishAsync(DeliveryEntity delivery, TokenEntity? token, DeliveryState state, string? messageId, string? reason, TokenUse use, CancellationToken cancellationToken)
    {
        var current = state == DeliveryState.Sent ? null : await FindDeliveryAsync(delivery.PartitionKey, delivery.RowKey, cancellationToken).ConfigureAwait(false);
        if (state != DeliveryState.Sent && current is not { State: DeliveryState.Bound })
        {
            return OutcomeOf(current);
        }
        var now = time.GetUtcNow();
        var record = new TableEntity(delivery.PartitionKey, delivery.RowKey)
        {
            [nameof(DeliveryEntity.State)] = state.ToString(),
            [nameof(DeliveryEntity.MessageId)] = messageId,
            [nameof(DeliveryEntity.Reason)] = reason,
            [nameof(DeliveryEntity.FinishedAt)] = now,
        };
        var deferredUntil = now + Interval;
        if (state == DeliveryState.Deferred)
        {
            record[nameof(DeliveryEntity.DeferredUntil)] = deferredUntil;
        }
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
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, TokenChanges.Of(delivery, use, now), ETag.All));
        }
        if (use == TokenUse.Stopped && token is not null)
        {
            // The stop's purge index row first, as the webhook writes it: a stopped token is kept only for the retention.
            await tables.RecurringDays.UpsertEntityAsync(RecurringTokenDayEntity.Stop(token, now), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
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
            return OutcomeOf(await FindDeliveryAsync(delivery.PartitionKey, delivery.RowKey, cancellationToken).ConfigureAwait(false));
        }
        FollowUpLog.UserFinished(logger, delivery.JobId, state);
        return state == DeliveryState.Deferred ? UserOutcome.Deferred(deferredUntil) : UserOutcome.Finished(state);
    }
}

/// <summary>What happened for one user of a job.</summary>
/// <param name="Recorded">The user's delivery state after this attempt; null when the user has no delivery record (no token, or released).</param>
/// <param name="Until">For <see cref="UserOutcomeKind.Deferred"/>: when the user's token may be sent again; null when it will not be.</param>
internal sealed record UserOutcome(UserOutcomeKind Kind, DeliveryState? Recorded = null, string? Reason = null, DateTimeOffset? Until = null)
{
    public static readonly UserOutcome NoToken = new(UserOutcomeKind.NoToken);

    /// <summary>Not tried in this attempt (a throttled or stopping call held the rest back); no storage was read for the user.</summary>
    public static readonly UserOutcome HeldBack = new(UserOutcomeKind.HeldBack);

    public static UserOutcome Finished(DeliveryState? state) => new(UserOutcomeKind.Finished, state);

    public static UserOutcome Retry(string? reason) => new(UserOutcomeKind.Retry, DeliveryState.Bound, reason);

    /// <summary>A retry because Meta or the Page's send budget held the user back: comes back after <paramref name="retryAfter"/>, no retry counted.</summary>
    public static UserOutcome Throttled(string? reason, TimeSpan retryAfter) => new(UserOutcomeKind.Retry, DeliveryState.Bound, reason) { ThrottledFor = retryAfter };

    /// <summary>A refusal that may be about the Page, held for the <see cref="PageRefusalBreaker"/>; the binding stays open.</summary>
    public static UserOutcome HeldRefusal(HeldRefusal held) => new(UserOutcomeKind.Held, DeliveryState.Bound) { Held = held };

    /// <summary>For a <see cref="UserOutcomeKind.Retry"/> caused by throttling: how long until the Page's budget is expected back.</summary>
    public TimeSpan? ThrottledFor { get; init; }

    /// <summary>For <see cref="UserOutcomeKind.Held"/>: the binding and Meta's answer, until the breaker decides.</summary>
    public HeldRefusal? Held { get; init; }

    public static UserOutcome Stop(string? reason, DeliveryState? recorded) => new(UserOutcomeKind.Stop, recorded, reason);

    public static UserOutcome Halted(DeliveryState? recorded) => new(UserOutcomeKind.Halted, recorded);

    public static UserOutcome Deferred(DateTimeOffset? until) => new(UserOutcomeKind.Deferred, DeliveryState.Deferred, Until: until);
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

    /// <summary>Not tried in this attempt (a throttled or stopping call held the rest back): the binding, if any, stays.</summary>
    HeldBack,

    /// <summary>Refused with a code that may be about the Page, before any send of the segment succeeded: not recorded yet.</summary>
    Held,

    /// <summary>The user's only usable token is cooling down: no token bound; served again once it is usable, if the job may wait.</summary>
    Deferred,
}

/// <summary>A refusal held while the segment's first sends decide whether it is about the Page or about this user.</summary>
internal sealed record HeldRefusal(FollowUpJob Job, DeliveryEntity Delivery, TokenEntity Token, SendResult Result);
