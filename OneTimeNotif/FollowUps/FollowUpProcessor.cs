using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Privacy;
using OneTimeNotif.SendApi;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// Handles one message of the <c>otn-followups</c> queue; the Functions queue trigger and the standalone host's
/// listener both call it. Delivery is at least once, so every step is safe to repeat.
/// </summary>
public sealed class FollowUpProcessor(
    FollowUpQueueClient queue,
    FollowUpJobStore jobs,
    FollowUpDelivery delivery,
    TokenStore tokenStore,
    UserIndex users,
    SendBudget budget,
    IOptions<FollowUpOptions> options,
    TimeProvider time,
    ILogger<FollowUpProcessor> logger)
{
    /// <summary>
    /// How long reading a segment takes before its first send, at most (500 token rows on a busy account): its
    /// successor becomes visible this long, plus the queue's polling interval, before the segment runs out of users.
    /// </summary>
    private static readonly TimeSpan SegmentReadTime = TimeSpan.FromSeconds(1);

    /// <param name="dequeueCount">How many times the queue has handed out this message (1 the first time).</param>
    public async Task ProcessAsync(string messageText, long dequeueCount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageText);
        // What a message costs in handler time (function-seconds on Flex Consumption), for the benchmark and operators.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await ProcessMessageAsync(messageText, dequeueCount, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            FollowUpLog.MessageHandled(logger, elapsed);
        }
    }

    private async Task ProcessMessageAsync(string messageText, long dequeueCount, CancellationToken cancellationToken)
    {
        if (!FollowUpMessage.TryParse(messageText, out var message, out var error) || (error = message!.Job.SizeProblem()) is not null)
        {
            // A message that cannot be read or served will never succeed: park it now instead of retrying it five times.
            await PoisonAsync(messageText, error!, cancellationToken).ConfigureAwait(false);
            return;
        }
        try
        {
            await HandleAsync(message, dequeueCount, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (dequeueCount >= options.Value.MaxDequeueCount && e is not OperationCanceledException)
        {
            // The host's last attempt: instead of leaving the job running forever behind a poisoned segment, stop it
            // with the reason, so that it shows and submitting it again resumes it.
            await GiveUpAsync(message, dequeueCount, e, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(FollowUpMessage message, long dequeueCount, CancellationToken cancellationToken)
    {
        if (message.IsJob)
        {
            await StartAsync(message, dequeueCount, cancellationToken).ConfigureAwait(false);
            return;
        }
        var job = message.Job;
        var recorded = await jobs.FindAsync(job.JobId, cancellationToken).ConfigureAwait(false);
        if (recorded is null || recorded.Job != job.ToJson())
        {
            await PoisonAsync(message.ToJson(), $"Segment of follow-up job '{job.JobId}', which is not recorded as this job.", cancellationToken).ConfigureAwait(false);
            return;
        }
        switch (recorded.State)
        {
            case JobState.Running:
                await ServeOrPutBackAsync(message, cancellationToken).ConfigureAwait(false);
                break;
            case JobState.Stopped or JobState.Cancelled:
                // A retry or successor that was waiting when the job halted: end its open bindings; a resumed
                // job serves the segment again from its stored range.
                await CloseSegmentAsync(message, cancellationToken).ConfigureAwait(false);
                FollowUpLog.SkippedHalted(logger, job.JobId, recorded.State);
                break;
        }
    }

    /// <summary>
    /// The job as submitted: a new job starts with its first segment; a stopped (or queued) one is resumed with
    /// every segment not done yet. A job ID is served once, unless it was stopped.
    /// </summary>
    private async Task StartAsync(FollowUpMessage message, long dequeueCount, CancellationToken cancellationToken)
    {
        var job = message.Job;
        if (await NamesErasedUserWithoutTokensAsync(job, cancellationToken).ConfigureAwait(false))
        {
            PrivacyLog.JobForErasedUserSkipped(logger, job.JobId);
            return;
        }
        var registration = await jobs.RegisterAsync(job, JobState.Running, cancellationToken).ConfigureAwait(false);
        var admitted = registration switch
        {
            { Kind: JobRegistrationKind.Created } => true,
            { Kind: JobRegistrationKind.Conflict } => false,
            // Submitted through the API (queued), or again to resume after a stop: exactly one consumer wins.
            { State: JobState.Queued or JobState.Stopped } =>
                await jobs.TryChangeStateAsync(job.JobId, registration.State, JobState.Running, null, cancellationToken).ConfigureAwait(false),
            // A second copy of a running job is dropped; the same message handed out again after a failure or a
            // crash starts again, and the bindings make its repeated work harmless.
            { State: JobState.Running } => dequeueCount > 1,
            _ => false,
        };
        if (registration.Kind == JobRegistrationKind.Conflict)
        {
            await PoisonAsync(message.ToJson(), $"Job ID '{job.JobId}' is already recorded for a different follow-up ({registration.Difference}); use a new job ID.", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!admitted)
        {
            FollowUpLog.Duplicate(logger, job.JobId, registration.State);
            return;
        }

        await jobs.GetOrAddSegmentAsync(job.JobId, "", cancellationToken).ConfigureAwait(false);
        var unfinished = (await jobs.GetSegmentsAsync(job.JobId, cancellationToken).ConfigureAwait(false)).Where(s => !s.Done).ToList();
        if (unfinished.Count == 0)
        {
            await jobs.TryCompleteAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (var segment in unfinished.Skip(1))
        {
            await queue.EnqueueSegmentAsync(FollowUpMessage.Segment(job, segment.After), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
        FollowUpLog.Started(logger, job.JobId, unfinished.Count);
        await ServeOrPutBackAsync(FollowUpMessage.Segment(job, unfinished[0].After), cancellationToken).ConfigureAwait(false);
    }

    private async Task ServeOrPutBackAsync(FollowUpMessage segment, CancellationToken cancellationToken)
    {
        try
        {
            await ServeSegmentAsync(segment, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (StorageRefusal.IsThrottling(e))
        {
            // Storage is busy, past the SDK's own retries: the segment goes back with a delay, like a throttled
            // send, instead of failing the message toward the poison queue. Its bindings make serving it again safe.
            await PutBackAsync(segment, "storage is throttling (503 ServerBusy or 500 OperationTimedOut)", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A job for one user, queued before that user was erased, would record the user again while it has nobody to
    /// message: it is dropped. After a new opt-in on the topic the user holds a token, and the job runs as usual.
    /// </summary>
    private async Task<bool> NamesErasedUserWithoutTokensAsync(FollowUpJob job, CancellationToken cancellationToken) =>
        job.Psid is { } psid
        && await users.ErasedAtAsync(job.PageId, psid, cancellationToken).ConfigureAwait(false) is not null
        && (await tokenStore.ReadUserTokensAsync(TokenKeys.Partition(job.PageId, job.Payload), psid, cancellationToken).ConfigureAwait(false)).Count == 0;

    private async Task ServeSegmentAsync(FollowUpMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var job = message.Job;
        var segment = await jobs.GetOrAddSegmentAsync(job.JobId, message.After!, cancellationToken).ConfigureAwait(false);
        if (segment.Done)
        {
            // A copy of a served segment; it may be the one whose first run died before completing the job.
            await jobs.TryCompleteAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            return;
        }
        (segment, var users) = await ReadSegmentAsync(job, segment, settings.SegmentSize, cancellationToken).ConfigureAwait(false);
        var until = segment.Until!;
        var successor = segment.Last ? null : new SegmentSuccessor(ct => EnsureSuccessorAsync(job, until, ct), SuccessorAfter(job, users.Count, settings));

        var breaker = new PageRefusalBreaker();
        var outcomes = await DeliverAllAsync(message, users, settings, breaker, successor, cancellationToken).ConfigureAwait(false);
        outcomes = await SettleHeldRefusalsAsync(outcomes, breaker, cancellationToken).ConfigureAwait(false);
        var retry = outcomes.FirstOrDefault(o => o.Kind == UserOutcomeKind.Retry);
        var served = SegmentTally.Of(outcomes.Select(o => o.Recorded));
        FollowUpLog.SegmentServed(logger, job.JobId, users.Count, served.Sent, served.TokenRejected + served.UserUnavailable + served.Failed + served.Unknown, served.Pending, served.Deferred);

        var stopReason = breaker.IsTripped ? breaker.Reason(job.PageId) : outcomes.FirstOrDefault(o => o.Kind == UserOutcomeKind.Stop)?.Reason;
        if (stopReason is null && retry is not null && OnlyThrottled(outcomes))
        {
            stopReason = await TimeBudgetSpentAsync(job, settings, cancellationToken).ConfigureAwait(false);
        }
        if (stopReason is not null || outcomes.Any(o => o.Kind == UserOutcomeKind.Halted))
        {
            if (breaker.IsTripped)
            {
                // Released before the stop shows, as a refused configuration is: whoever sees the job stopped finds
                // every token its refused calls touched available.
                outcomes = await CloseUnfinishedAsync(job, users, outcomes, cancellationToken).ConfigureAwait(false);
            }
            if (stopReason is not null)
            {
                await StopAsync(job.JobId, stopReason, cancellationToken).ConfigureAwait(false);
            }
            outcomes = await CloseUnfinishedAsync(job, users, outcomes, cancellationToken).ConfigureAwait(false);
            await jobs.RecordTallyAsync(segment, SegmentTally.Of(outcomes.Select(o => o.Recorded)), done: false, cancellationToken).ConfigureAwait(false);
        }
        else if (retry is not null)
        {
            await jobs.RecordTallyAsync(segment, served, done: false, cancellationToken).ConfigureAwait(false);
            await RetryLaterAsync(message, outcomes, cancellationToken).ConfigureAwait(false);
        }
        else if (await DeferralWaitAsync(job, outcomes, settings, cancellationToken).ConfigureAwait(false) is { } wait)
        {
            await (successor?.EnsureAsync(cancellationToken) ?? Task.CompletedTask).ConfigureAwait(false);
            // Users whose recurring token is cooling down are served when it is usable again: the segment comes back
            // then (or sooner, to look again), not counted as a retry.
            await jobs.RecordTallyAsync(segment, served, done: false, cancellationToken).ConfigureAwait(false);
            FollowUpLog.SegmentDeferred(logger, job.JobId, served.Deferred, wait);
            await queue.EnqueueSegmentAsync(message, wait, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Deferred users left here stay deferred: their tokens cool down after the job's time budget.
            await (successor?.EnsureAsync(cancellationToken) ?? Task.CompletedTask).ConfigureAwait(false);
            await jobs.RecordTallyAsync(segment, served, done: true, cancellationToken).ConfigureAwait(false);
            await jobs.TryCompleteAsync(job.JobId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How long the segment waits before serving its deferred users again: until the first of their tokens cools
    /// down, looking again at least every <see cref="FollowUpOptions.MaxDeferralWait"/>. Null when nobody is
    /// deferred, or no token cools down within the job's <see cref="FollowUpOptions.TimeBudget"/>.
    /// </summary>
    private async Task<TimeSpan?> DeferralWaitAsync(FollowUpJob job, List<UserOutcome> outcomes, FollowUpOptions settings, CancellationToken cancellationToken)
    {
        var until = outcomes.Where(o => o.Kind == UserOutcomeKind.Deferred && o.Until is not null).Min(o => o.Until);
        if (until is null || await jobs.FindAsync(job.JobId, cancellationToken).ConfigureAwait(false) is not { } recorded
            || until > recorded.CreatedAt + settings.TimeBudget)
        {
            return null;
        }
        var wait = until.Value - time.GetUtcNow();
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait < settings.MaxDeferralWait ? wait : settings.MaxDeferralWait;
    }

    /// <summary>
    /// Stops a running job with a reason (a configuration fault, Page-wide refusals, a segment that keeps failing).
    /// The caller then ends the bindings of the users its segment did not serve (<see cref="CloseUnfinishedAsync"/>);
    /// other workers see the stop before their next call and end theirs.
    /// </summary>
    internal async Task StopAsync(string jobId, string reason, CancellationToken cancellationToken)
    {
        if (await jobs.StopAsync(jobId, reason, cancellationToken).ConfigureAwait(false))
        {
            FollowUpLog.Stopped(logger, jobId, reason);
        }
    }

    /// <summary>
    /// Records the successor segment and enqueues it, once, while this one is served (see <see cref="SuccessorAfter"/>):
    /// no invocation is long, and a crash before it loses nothing, since the queue hands this segment out again.
    /// </summary>
    private async Task EnsureSuccessorAsync(FollowUpJob job, string after, CancellationToken cancellationToken)
    {
        if (await jobs.FindSegmentAsync(job.JobId, after, cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }
        // Enqueued before it is recorded: a crash in between enqueues it again (harmless), never loses it.
        await queue.EnqueueSegmentAsync(FollowUpMessage.Segment(job, after), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        await jobs.GetOrAddSegmentAsync(job.JobId, after, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// How many of a segment's users are served before its successor goes out. With one send budget per Page,
    /// segments of a job served side by side would only wait for each other (and be turned away, and go back to the
    /// queue): the successor goes out when the users left would take, at the Page's current rate, about as long as
    /// the queue takes to hand it out and it takes to be read. Never before half of them: the successor's own
    /// successor waits for half of its users in turn, so at most two segments of a job are under way at once, however
    /// fast the Page and small the segments.
    /// </summary>
    private int SuccessorAfter(FollowUpJob job, int users, FollowUpOptions settings)
    {
        var lead = SegmentReadTime + settings.QueuePollingInterval;
        var servedWithinLead = (int)(budget.CurrentRate(job.PageId) * lead.TotalSeconds);
        return Math.Max(Math.Max(1, (users + 1) / 2), users - servedWithinLead);
    }

    /// <summary>A segment of a job that is no longer running: ends the open bindings of its users and keeps its counts.</summary>
    private async Task CloseSegmentAsync(FollowUpMessage message, CancellationToken cancellationToken)
    {
        var segment = await jobs.FindSegmentAsync(message.Job.JobId, message.After!, cancellationToken).ConfigureAwait(false);
        if (segment is not { Done: false, Until: not null })
        {
            // Done, or never read: no binding of this segment can be open.
            return;
        }
        (segment, var users) = await ReadSegmentAsync(message.Job, segment, options.Value.SegmentSize, cancellationToken).ConfigureAwait(false);
        var outcomes = await CloseUnfinishedAsync(message.Job, users, [.. users.Select(_ => UserOutcome.HeldBack)], cancellationToken).ConfigureAwait(false);
        await jobs.RecordTallyAsync(segment, SegmentTally.Of(outcomes.Select(o => o.Recorded)), done: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the bindings of the users the attempt left open (waiting for a retry, or never reached).</summary>
    private async Task<List<UserOutcome>> CloseUnfinishedAsync(FollowUpJob job, List<SegmentUser> users, List<UserOutcome> outcomes, CancellationToken cancellationToken)
    {
        var closed = outcomes.ToArray();
        var open = Enumerable.Range(0, closed.Length).Where(i => closed[i].Kind is UserOutcomeKind.Retry or UserOutcomeKind.HeldBack or UserOutcomeKind.Held);
        await Parallel.ForEachAsync(open, Concurrently(cancellationToken), async (i, ct) =>
            closed[i] = await delivery.CloseAsync(job, users[i].Psid, ct).ConfigureAwait(false)).ConfigureAwait(false);
        return [.. closed];
    }

    private async Task<List<UserOutcome>> DeliverAllAsync(FollowUpMessage message, List<SegmentUser> users, FollowUpOptions settings, PageRefusalBreaker breaker, SegmentSuccessor? successor, CancellationToken cancellationToken)
    {
        var outcomes = new UserOutcome[users.Count];
        var finalAttempt = message.Retry >= settings.MaxRetries;
        var holdBack = false;
        // No more users under way than the Page's budget can give a slot within the wait a send is allowed: the rest
        // would only be turned away and put the segment back, idle, while the Page had budget to spare.
        var sending = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Min(settings.SendConcurrency, budget.SendsServedWithinWait(message.Job.PageId)),
            CancellationToken = cancellationToken,
        };
        await Parallel.ForEachAsync(Enumerable.Range(0, users.Count), sending, async (i, ct) =>
        {
            // Once Meta throttles or the job must stop, the users not started yet wait for the retry (or the
            // resumed job); the started ones finish.
            if (Volatile.Read(ref holdBack))
            {
                outcomes[i] = UserOutcome.HeldBack;
                return;
            }
            var outcome = await DeliverOneAsync(message.Job, users[i], finalAttempt, breaker.Probation, ct).ConfigureAwait(false);
            if (outcome.Recorded == DeliveryState.Sent)
            {
                breaker.Sent();
            }
            if (outcome.Kind is UserOutcomeKind.Retry or UserOutcomeKind.Stop or UserOutcomeKind.Halted || (outcome.Held is { } held && breaker.Hold(held)))
            {
                Volatile.Write(ref holdBack, true);
            }
            outcomes[i] = outcome;
            await (successor?.ServedOneAsync(ct) ?? Task.CompletedTask).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return [.. outcomes];
    }

    /// <summary>A user whose storage calls are throttled waits for the segment's retry, as one whose send was throttled.</summary>
    private async Task<UserOutcome> DeliverOneAsync(FollowUpJob job, SegmentUser user, bool finalAttempt, bool probation, CancellationToken cancellationToken)
    {
        try
        {
            return await delivery.DeliverAsync(job, user.Psid, user.Tokens, finalAttempt, probation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (StorageRefusal.IsThrottling(e))
        {
            return UserOutcome.Retry("storage is throttling (503 ServerBusy or 500 OperationTimedOut)");
        }
    }

    /// <summary>
    /// Decides the held refusals (see <see cref="PageRefusalBreaker"/>). Tripped, or the job halted meanwhile: they stay
    /// open, for the caller to release with the rest. Undecided while the segment goes again anyway (throttled): they
    /// wait for it, bound. Otherwise they were the users' own and are recorded as they came.
    /// </summary>
    private async Task<List<UserOutcome>> SettleHeldRefusalsAsync(List<UserOutcome> outcomes, PageRefusalBreaker breaker, CancellationToken cancellationToken)
    {
        if (breaker.Held.Count == 0 || breaker.IsTripped || outcomes.Any(o => o.Kind == UserOutcomeKind.Halted))
        {
            return outcomes;
        }
        var waitForRetry = breaker.Probation && outcomes.Any(o => o.Kind == UserOutcomeKind.Retry);
        var settled = outcomes.ToArray();
        for (var i = 0; i < settled.Length; i++)
        {
            if (settled[i].Held is { } held)
            {
                settled[i] = waitForRetry ? UserOutcome.HeldBack with { Recorded = DeliveryState.Bound } : await delivery.RecordHeldAsync(held, cancellationToken).ConfigureAwait(false);
            }
        }
        return [.. settled];
    }

    /// <summary>Every user left for a retry was held back by throttling (Meta's, or the Page's send budget), none by a failure.</summary>
    private static bool OnlyThrottled(List<UserOutcome> outcomes) =>
        outcomes.Where(o => o.Kind == UserOutcomeKind.Retry).All(o => o.ThrottledFor is not null);

    /// <returns>Why the job stops, when its <see cref="FollowUpOptions.TimeBudget"/> has run out; else null.</returns>
    private async Task<string?> TimeBudgetSpentAsync(FollowUpJob job, FollowUpOptions settings, CancellationToken cancellationToken) =>
        await jobs.FindAsync(job.JobId, cancellationToken).ConfigureAwait(false) is { } recorded && time.GetUtcNow() - recorded.CreatedAt > settings.TimeBudget
            ? $"The job's time budget (FollowUps__TimeBudget, {settings.TimeBudget}) ran out while Meta or the Page's send budget held users back; submit the job again to resume it."
            : null;

    /// <summary>
    /// Puts the segment back. Held back only by throttling: after the time the Page's budget names, without counting a
    /// retry, so throttled users are never failed for it. Otherwise after a doubling delay, counted.
    /// </summary>
    private async Task RetryLaterAsync(FollowUpMessage segment, List<UserOutcome> outcomes, CancellationToken cancellationToken)
    {
        var retries = outcomes.Where(o => o.Kind == UserOutcomeKind.Retry).ToList();
        if (!OnlyThrottled(retries))
        {
            await PutBackAsync(segment, retries.First(o => o.ThrottledFor is null).Reason, cancellationToken).ConfigureAwait(false);
            return;
        }
        var delay = retries.Max(o => o.ThrottledFor!.Value);
        FollowUpLog.SegmentThrottled(logger, segment.Job.JobId, delay, retries[0].Reason);
        await queue.EnqueueSegmentAsync(segment, delay, cancellationToken).ConfigureAwait(false);
    }

    private async Task PutBackAsync(FollowUpMessage segment, string? reason, CancellationToken cancellationToken)
    {
        var delay = RetryDelay(segment.Retry, options.Value);
        FollowUpLog.SegmentRetry(logger, segment.Job.JobId, delay, segment.Retry + 1, reason);
        await queue.EnqueueSegmentAsync(segment with { Retry = segment.Retry + 1 }, delay, cancellationToken).ConfigureAwait(false);
    }

    private ParallelOptions Concurrently(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = options.Value.SendConcurrency, CancellationToken = cancellationToken };

    /// <summary>
    /// The segment's users: its stored range of the topic's token rows (fixed on the first read), grouped by user;
    /// or the one user a targeted job names. A user belongs to the segment holding their first token row.
    /// </summary>
    private async Task<(SegmentEntity Segment, List<SegmentUser> Users)> ReadSegmentAsync(FollowUpJob job, SegmentEntity segment, int size, CancellationToken cancellationToken)
    {
        var partition = TokenKeys.Partition(job.PageId, job.Payload);
        if (job.Psid is { } psid)
        {
            segment = segment.Until is null ? await jobs.FixRangeAsync(segment, "", last: true, cancellationToken).ConfigureAwait(false) : segment;
            return (segment, [new SegmentUser(psid, await tokenStore.ReadUserTokensAsync(partition, psid, cancellationToken).ConfigureAwait(false))]);
        }
        List<TokenEntity> rows;
        if (segment.Until is null)
        {
            (rows, var more) = await tokenStore.ReadTopicPageAsync(partition, segment.After, size, cancellationToken).ConfigureAwait(false);
            var until = rows.Count > 0 ? rows[^1].RowKey : segment.After;
            segment = await jobs.FixRangeAsync(segment, until, last: !more, cancellationToken).ConfigureAwait(false);
            if (segment.Until != until)
            {
                // Another copy fixed the range first: serve exactly its rows.
                rows = await tokenStore.ReadTopicRangeAsync(partition, segment.After, segment.Until!, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            rows = await tokenStore.ReadTopicRangeAsync(partition, segment.After, segment.Until, cancellationToken).ConfigureAwait(false);
        }
        var users = rows.Where(t => t.Payload == job.Payload).GroupBy(t => t.Psid).Select(g => new SegmentUser(g.Key, [.. g])).ToList();
        await CompleteEdgeUsersAsync(users, partition, cancellationToken).ConfigureAwait(false);
        // The first user's rows may begin in the segment before: that segment serves and counts them.
        if (users.Count > 0 && segment.After.Length > 0 && users[0].Tokens.Any(t => string.CompareOrdinal(t.RowKey, segment.After) <= 0))
        {
            users.RemoveAt(0);
        }
        return (segment, users);
    }

    /// <summary>A range can end inside one user's rows (or start inside them): read those users' tokens whole.</summary>
    private async Task CompleteEdgeUsersAsync(List<SegmentUser> users, string partition, CancellationToken cancellationToken)
    {
        foreach (var index in users.Count switch { 0 => [], 1 => [0], _ => new[] { 0, users.Count - 1 } })
        {
            users[index] = users[index] with { Tokens = await tokenStore.ReadUserTokensAsync(partition, users[index].Psid, cancellationToken).ConfigureAwait(false) };
        }
    }

    private static TimeSpan RetryDelay(int retry, FollowUpOptions settings) =>
        TimeSpan.FromTicks(Math.Min(settings.MaxRetryDelay.Ticks, settings.RetryDelay.Ticks * (1L << Math.Min(retry, 20))));

    /// <summary>
    /// The last attempt failed: the job stops with the reason, the segment's open bindings are ended if storage
    /// allows, and the job as submitted goes to the poison queue with the reason (moving it back resumes the job).
    /// </summary>
    private async Task GiveUpAsync(FollowUpMessage message, long dequeueCount, Exception failure, CancellationToken cancellationToken)
    {
        var reason = $"A segment failed {dequeueCount} times (last: {StorageFailure.Describe(failure)}); submit the job again to resume it.";
        await StopAsync(message.Job.JobId, reason, cancellationToken).ConfigureAwait(false);
        if (!message.IsJob)
        {
            try
            {
                await CloseSegmentAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (StorageFailure.IsStorageFault(e))
            {
                // Bindings left open stay with the job: resuming follows them, retention releases them.
                FollowUpLog.CloseFailed(logger, message.Job.JobId, StorageFailure.Describe(e));
            }
        }
        await PoisonAsync(message.Job.ToJson(), reason, cancellationToken).ConfigureAwait(false);
    }

    private async Task PoisonAsync(string messageText, string reason, CancellationToken cancellationToken)
    {
        await queue.SendToPoisonAsync(messageText, reason, cancellationToken).ConfigureAwait(false);
        FollowUpLog.Poisoned(logger, FollowUpQueueClient.PoisonQueueName, reason);
    }
}

/// <summary>One user of a segment and their token rows in the topic.</summary>
internal sealed record SegmentUser(string Psid, List<TokenEntity> Tokens);
