using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;

namespace OneTimeNotif.Privacy;

/// <summary>
/// Serves one message of <c>otn-data-deletions</c>: maps the app-scoped user to Page-scoped IDs through Meta, erases each
/// one on the Pages served here, and marks the request done. When Meta refuses the mapping the request stays pending
/// and the message comes back after a growing delay. Both hosts' queue triggers call it; each step is safe to repeat.
/// </summary>
public sealed class DataDeletionProcessor(
    DataDeletionQueueClient queue,
    DataDeletionRequests requests,
    IdsForPagesClient idsForPages,
    UserEraser eraser,
    IOptionsMonitor<MessengerOptions> messenger,
    IOptionsMonitor<PrivacyOptions> privacy,
    ILogger<DataDeletionProcessor> logger)
{
    public async Task ProcessAsync(string messageText, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageText);
        if (DataDeletionWork.TryParse(messageText) is not { } work)
        {
            const string reason = "Not a data-deletion request: a JSON object with a confirmation code and a numeric userId.";
            await queue.SendToPoisonAsync(messageText, reason, cancellationToken).ConfigureAwait(false);
            PrivacyLog.DeletionPoisoned(logger, DataDeletionQueueClient.PoisonQueueName, reason);
            return;
        }
        var request = await requests.FindAsync(work.Code, cancellationToken).ConfigureAwait(false);
        if (request is null || request.State == DataDeletionState.Done)
        {
            // Done already (a duplicate message), or never recorded here: nothing is left to do.
            PrivacyLog.DeletionAlreadyDone(logger, work.Code);
            return;
        }

        var mapping = await idsForPages.GetAsync(work.UserId, cancellationToken).ConfigureAwait(false);
        if (mapping.Failure is { } failure)
        {
            await requests.RecordFailedAttemptAsync(request, failure, cancellationToken).ConfigureAwait(false);
            var delay = RetryDelay(request.Attempts);
            await queue.EnqueueAsync(work, delay, cancellationToken).ConfigureAwait(false);
            PrivacyLog.MappingRefused(logger, work.Code, request.Attempts, delay, failure);
            return;
        }

        var served = messenger.CurrentValue.Pages;
        var users = mapping.Ids.Where(id => served.ContainsKey(id.PageId)).Distinct().ToList();
        var erased = ErasureCounts.None;
        foreach (var user in users)
        {
            erased = erased.Add(await eraser.EraseAsync(user.PageId, user.Psid, cancellationToken).ConfigureAwait(false));
        }
        await requests.CompleteAsync(request, users.Count, erased, cancellationToken).ConfigureAwait(false);
        PrivacyLog.DeletionDone(logger, work.Code, users.Count, mapping.Ids.Count - users.Count, erased.Tokens);
    }

    private TimeSpan RetryDelay(int attempts)
    {
        var settings = privacy.CurrentValue;
        return TimeSpan.FromTicks(Math.Min(settings.MaxRetryDelay.Ticks, settings.RetryDelay.Ticks * (1L << Math.Min(attempts - 1, 20))));
    }
}
