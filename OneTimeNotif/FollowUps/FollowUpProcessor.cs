using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Privacy;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// Handles one message of the <c>otn-followups</c> queue; the Functions queue trigger and the standalone host's
/// listener both call it. Delivery is at least once, so every step is safe to repeat.
/// </summary>
public sealed class FollowUpProcessor(
    FollowUpQueueClient queue,
    FollowUpJobs jobs,
    FollowUpDelivery delivery,
    TokenStore tokenStore,
    UserIndex users,
    SendApi.SendBudget budget,
    TimeProvider time,
    IOptions<FollowUpOptions> options,
    ILogger<FollowUpProcessor> logger)
{
    /// <summary>How long before a segment runs out of users its successor becomes visible: reading it takes a moment.</summary>
    private static readonly TimeSpan SegmentLead = TimeSpan.FromSeconds(2);

    /// <param name="dequeueCount">How many times the queue has handed out this message (1 the first time).</param>
    public async Task ProcessAsync(string messageText, long dequeueCount, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageText);
        // What a message costs in handler time (function-seconds on Flex Consumption), for the benchmark and operators.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await HandleAsync(messageText, dequeueCount, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            FollowUpLog.MessageHandled(logger, elapsed);
        }
    }

    private async Task HandleAsync(string messageText, long dequeueCount, CancellationToken cancellationToken)
    {
        if (!FollowUpWork.TryParse(messageText, out var work, out var error))
        {
            // A message that cannot be read will never succeed: park it now instead of retrying it five times.
            await PoisonAsync(messageText, error!, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (await AdmitAsync(work!, messageText, dequeueCount, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await ServeSegmentAsync(work!, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (StorageRefusal.IsThrottling(e))
            {
                // Storage is busy, past the SDK's own retries: the segment goes back with a delay, like a throttled
                // send, instead of failing the message toward the poison queue. Its bindings make serving it again safe.
                await PutBackAsync(work!, "storage is throttling (503 ServerBusy or 500 OperationTimedOut)", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Decides whether this message should be served: a job ID is served once, unless it was stopped.</summary>
    private async Task<bool> AdmitAsync(FollowUpWork work, string messageText, long dequeueCount, CancellationToken cancellationToken)
    {
        var job = work.Job;
        if (!work.IsFirstSegment)
        {
            var recorded = await jobs.FindAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            if (recorded is null || recorded.Job != job.ToJson())
            {
                await PoisonAsync(messageText, $"Segment of follow-up job '{job.JobId}', which is not recorded as this job.", cancellationToken).ConfigureAwait(false);
                return false;
            }
            if (recorded.State == JobState.Stopped)
            {
                FollowUpLog.SkippedStopped(logger, job.JobId);
                return false;
            }
            return true;
        }

        if (await NamesErasedUserWithoutTokensAsync(job, cancellationToken).ConfigureAwait(false))
        {
            PrivacyLog.JobForErasedUserSkipped(logger, job.JobId);
            return false;
        }
        var registration = await jobs.RegisterAsync(job, JobState.Running, cancellationToken).ConfigureAwait(false);
        switch (registration.Kind)
        {
            case JobRegistrationKind.Created:
                return true;
            case JobRegistrationKind.Conflict:
                await PoisonAsync(messageText, $"Job ID '{job.JobId}' is already recorded for a different follow-up; use a new job ID.", cancellationToken).ConfigureAwait(false);
                return false;
        }
        if (registration.State is JobState.Queued or JobState.Stopped)
        {
            // Submitted through the API (queued), or submitted again to resume after a stop: exactly one
            // consumer wins the change of state.
            return await jobs.TryChangeStateAsync(job.JobId, registration.State, JobState.Running, null, cancellationToken).ConfigureAwait(false)
                || LogDuplicate(job);
        }
        // Running already: a second copy of the job is dropped; the same message handed out again after a
        // failure or a crash carries on, and the bindings make its repeated work harmless.
        return dequeueCount > 1 || LogDuplicate(job);
    }

    /// <summary>
    /// A job for one user, queued before that user was erased, would record the user again while it has nobody to
    /// message: it is dropped. After a new opt-in on the topic the user holds a token, and the job runs as usual.
    /// </summary>
    private async Task<bool> NamesErasedUserWithoutTokensAsync(FollowUpJob job, CancellationToken cancellationToken) =>
        job.Psid is { } psid
        && await users.ErasedAtAsync(job.PageId, psid, cancellationToken).ConfigureAwait(false) is not null
        && (await tokenStore.ReadUserTokensAsync(TokenKeys.Partition(job.PageId, job.Payload), psid, cancellationToken).ConfigureAwait(false)).Count == 0;

    private bool LogDuplicate(FollowUpJob job)
    {
        FollowUpLog.Duplicate(logger, job.JobId);
        return false;
    }

    private async Task ServeSegmentAsync(FollowUpWork work, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var (users, next) = await ReadSegmentAsync(work, settings.SegmentSize, cancellationToken).ConfigureAwait(false);
        if (next is not null && !await jobs.WasSegmentEnqueuedAsync(work.Job.JobId, next, cancellationToken).ConfigureAwait(false))
        {
            // The next segment goes out before this one is served, so no invocation is long and a crash loses
            // nothing; it becomes visible when this one is about to run out of users at the Page's rate.
            await queue.EnqueueSegmentAsync(new FollowUpWork(work.Job, next, 0), NextSegmentDelay(work.Job.PageId, users.Count), cancellationToken).ConfigureAwait(false);
            await jobs.RecordSegmentAsync(work.Job.JobId, next, done: false, last: false, cancellationToken).ConfigureAwait(false);
        }

        var breaker = new PageRefusalBreaker();
        var outcomes = await DeliverAllAsync(work, users, settings, breaker, cancellationToken).ConfigureAwait(false);
        outcomes = await SettleHeldRefusalsAsync(work.Job, outcomes, breaker, cancellationToken).ConfigureAwait(false);
        var stop = outcomes.FirstOrDefault(o => o.Kind == UserOutcomeKind.Stop);
        var retry = outcomes.FirstOrDefault(o => o.Kind == UserOutcomeKind.Retry);
        var sent = outcomes.Count(o => o.State == DeliveryState.Sent);
        var finishedOtherwise = outcomes.Count(o => o.Kind == UserOutcomeKind.Finished) - sent;
        var retrying = outcomes.Count(o => o.Kind == UserOutcomeKind.Retry);
        FollowUpLog.SegmentServed(logger, work.Job.JobId, users.Count, sent, finishedOtherwise, retrying);

        if (stop is not null)
        {
            await jobs.TryChangeStateAsync(work.Job.JobId, JobState.Running, JobState.Stopped, stop.Reason, cancellationToken).ConfigureAwait(false);
            FollowUpLog.Stopped(logger, work.Job.JobId, stop.Reason);
        }
        else if (retry is not null)
        {
            await RetryLaterAsync(work, outcomes, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await jobs.RecordSegmentAsync(work.Job.JobId, work.Cursor, done: true, last: next is null, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<List<UserOutcome>> DeliverAllAsync(FollowUpWork work, List<(string Psid, List<TokenEntity> Tokens)> users, FollowUpOptions settings, PageRefusalBreaker breaker, CancellationToken cancellationToken)
    {
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<UserOutcome>();
        var finalAttempt = work.Retry >= settings.MaxRetries;
        var holdBack = false;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.SendConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(users, parallel, async (user, ct) =>
        {
            // Once Meta throttles or the job must stop, the users not started yet wait for the retry (or the
            // resumed job); the started ones finish.
            if (Volatile.Read(ref holdBack))
            {
                outcomes.Add(UserOutcome.HeldBackForRetry);
                return;
            }
            var outcome = await DeliverOneAsync(work.Job, user.Psid, user.Tokens, finalAttempt, breaker.Probation, ct).ConfigureAwait(false);
            if (outcome.State == DeliveryState.Sent)
            {
                breaker.Sent();
            }
            if (outcome.Kind is UserOutcomeKind.Retry or UserOutcomeKind.Stop || (outcome.Held is { } held && breaker.Hold(held)))
            {
                Volatile.Write(ref holdBack, true);
            }
            outcomes.Add(outcome);
        }).ConfigureAwait(false);
        return [.. outcomes];
    }

    /// <summary>A user whose storage calls are throttled waits for the segment's retry, as one whose send was throttled.</summary>
    private async Task<UserOutcome> DeliverOneAsync(FollowUpJob job, string psid, List<TokenEntity> tokens, bool finalAttempt, bool probation, CancellationToken cancellationToken)
    {
        try
        {
            return await delivery.DeliverAsync(job, psid, tokens, finalAttempt, probation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (StorageRefusal.IsThrottling(e))
        {
            return UserOutcome.Retry("storage is throttling (503 ServerBusy or 500 OperationTimedOut)");
        }
    }

    /// <summary>
    /// Decides the held refusals (see <see cref="PageRefusalBreaker"/>): the job stops and their tokens are released
    /// when the breaker tripped; otherwise they were the users' own and are recorded as they came.
    /// </summary>
    private async Task<List<UserOutcome>> SettleHeldRefusalsAsync(FollowUpJob job, List<UserOutcome> outcomes, PageRefusalBreaker breaker, CancellationToken cancellationToken)
    {
        var held = breaker.Held;
        if (held.Count == 0)
        {
            return outcomes;
        }
        var settled = outcomes.Where(o => o.Kind != UserOutcomeKind.Held).ToList();
        if (breaker.IsTripped)
        {
            foreach (var refusal in held)
            {
                await delivery.ReleaseAsync(refusal.Delivery, refusal.Token, cancellationToken).ConfigureAwait(false);
            }
            settled.Add(UserOutcome.Stop(breaker.Reason(job.PageId)));
            return settled;
        }
        if (breaker.Probation && settled.Any(o => o.Kind == UserOutcomeKind.Retry))
        {
            // Undecided, and the segment goes again anyway: the held users stay bound and are sent again with it.
            settled.AddRange(held.Select(_ => UserOutcome.HeldBackForRetry));
            return settled;
        }
        foreach (var refusal in held)
        {
            settled.Add(await delivery.RecordHeldAsync(refusal, cancellationToken).ConfigureAwait(false));
        }
        return settled;
    }

    /// <returns>The job's time budget when it has run out (counted from when the job was recorded); else null.</returns>
    private async Task<TimeSpan?> JobTimeBudgetSpentAsync(FollowUpJob job, CancellationToken cancellationToken)
    {
        var budgetOfTime = options.Value.DeliveryTimeBudget;
        var recorded = await jobs.FindAsync(job.JobId, cancellationToken).ConfigureAwait(false);
        return recorded is not null && time.GetUtcNow() - recorded.CreatedAt > budgetOfTime ? budgetOfTime : null;
    }

    /// <summary>
    /// With one budget per Page, segments of a job served side by side only wait for each other: the next one becomes
    /// visible when this one is about to run out of users at the Page's current rate, less a lead for reading it.
    /// </summary>
    private TimeSpan NextSegmentDelay(string pageId, int users)
    {
        var serving = TimeSpan.FromSeconds(users / Math.Max(1, budget.CurrentRate(pageId)));
        return serving > SegmentLead ? serving - SegmentLead : TimeSpan.Zero;
    }

    private async Task PutBackAsync(FollowUpWork work, string? reason, CancellationToken cancellationToken)
    {
        var delay = RetryDelay(work.Retry, options.Value);
        FollowUpLog.SegmentRetry(logger, work.Job.JobId, delay, work.Retry + 1, reason);
        await queue.EnqueueSegmentAsync(work with { Retry = work.Retry + 1, IsFirstSegment = false }, delay, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One page of the topic's token rows, grouped by user; or the one user a targeted job names.</summary>
    private async Task<(List<(string Psid, List<TokenEntity> Tokens)> Users, string? Next)> ReadSegmentAsync(FollowUpWork work, int size, CancellationToken cancellationToken)
    {
        var partition = TokenKeys.Partition(work.Job.PageId, work.Job.Payload);
        if (work.Job.Psid is { } psid)
        {
            return ([(psid, await tokenStore.ReadUserTokensAsync(partition, psid, cancellationToken).ConfigureAwait(false))], null);
        }
        var (rows, next) = await tokenStore.ReadTopicPageAsync(partition, work.Cursor, size, cancellationToken).ConfigureAwait(false);
        var users = rows.Where(t => t.Payload == work.Job.Payload).GroupBy(t => t.Psid).Select(g => (g.Key, g.ToList())).ToList();
        await CompleteEdgeUsersAsync(users, partition, cancellationToken).ConfigureAwait(false);
        return (users, next);
    }

    /// <summary>A page can end inside one user's rows (or start inside them): read those users' tokens whole.</summary>
    private async Task CompleteEdgeUsersAsync(List<(string Psid, List<TokenEntity> Tokens)> users, string partition, CancellationToken cancellationToken)
    {
        foreach (var index in users.Count switch { 0 => [], 1 => [0], _ => new[] { 0, users.Count - 1 } })
        {
            users[index] = (users[index].Psid, await tokenStore.ReadUserTokensAsync(partition, users[index].Psid, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// Puts the segment back. Held back only by throttling (Meta's or the Page's budget): after the time the budget
    /// names, without counting a retry, so throttled users are never failed for it. Otherwise after a doubling delay.
    /// </summary>
    private async Task RetryLaterAsync(FollowUpWork work, List<UserOutcome> outcomes, CancellationToken cancellationToken)
    {
        var retries = outcomes.Where(o => o.Kind == UserOutcomeKind.Retry && !o.HeldBack).ToList();
        if (retries.Count == 0 || retries.Any(o => o.ThrottledFor is null))
        {
            await PutBackAsync(work, retries.FirstOrDefault()?.Reason, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (await JobTimeBudgetSpentAsync(work.Job, cancellationToken).ConfigureAwait(false) is { } spent)
        {
            var reason = $"The job's time budget ({spent}) ran out while Meta or the Page's send budget held users back; submit the job again to resume it.";
            await jobs.TryChangeStateAsync(work.Job.JobId, JobState.Running, JobState.Stopped, reason, cancellationToken).ConfigureAwait(false);
            FollowUpLog.Stopped(logger, work.Job.JobId, reason);
            return;
        }
        var delay = retries.Max(o => o.ThrottledFor!.Value);
        FollowUpLog.SegmentRetry(logger, work.Job.JobId, delay, work.Retry, retries[0].Reason);
        await queue.EnqueueSegmentAsync(work with { IsFirstSegment = false }, delay, cancellationToken).ConfigureAwait(false);
    }

    private static TimeSpan RetryDelay(int retry, FollowUpOptions settings) =>
        TimeSpan.FromTicks(Math.Min(settings.MaxRetryDelay.Ticks, settings.RetryDelay.Ticks * (1L << Math.Min(retry, 20))));

    private async Task PoisonAsync(string messageText, string reason, CancellationToken cancellationToken)
    {
        await queue.SendToPoisonAsync(messageText, reason, cancellationToken).ConfigureAwait(false);
        FollowUpLog.Poisoned(logger, FollowUpQueueClient.PoisonQueueName, reason);
    }
}
