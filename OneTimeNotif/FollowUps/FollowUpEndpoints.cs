using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.Http;
using OneTimeNotif.Storage;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// <c>POST /api/followups</c> (submit a job, 202), <c>GET /api/followups/{jobId}</c> (its state and counts) and
/// <c>DELETE /api/followups/{jobId}</c> (cancel it). For services, so key-protected: by Function keys on Azure, by
/// the standalone host's key filter locally.
/// </summary>
public static class FollowUpEndpoints
{
    public const string Route = "/api/followups";

    /// <summary>
    /// The request body may be larger than the job it holds (escaped text shrinks when the job is written with relaxed
    /// escaping); the job itself is held to <see cref="FollowUpJobLimits"/>.
    /// </summary>
    private const int MaxRequestBytes = 6 * FollowUpJobLimits.MaxQueueMessageBytes;

    public static RouteGroupBuilder MapFollowUps(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route).WithTags("Follow-ups");
        group.MapPost("", SubmitAsync);
        group.MapGet("{jobId}", GetStatusAsync);
        group.MapDelete("{jobId}", CancelAsync);
        return group;
    }

    public static async Task<Results<Accepted<FollowUpStatus>, ProblemHttpResult>> SubmitAsync(
        HttpRequest request,
        FollowUpJobStore jobs,
        FollowUpQueueClient queue,
        IOptionsMonitor<MessengerOptions> messenger,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(request, MaxRequestBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return TypedResults.Problem($"A request is at most {MaxRequestBytes} bytes; a job at most {FollowUpJobLimits.MaxJobBytes}.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        if (!FollowUpJob.TryParse(Encoding.UTF8.GetString(body), out var job, out var error))
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }
        if (job!.SizeProblem() is { } tooLarge)
        {
            return TypedResults.Problem(tooLarge, statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        if (!messenger.CurrentValue.Pages.ContainsKey(job.PageId))
        {
            return TypedResults.Problem($"Page {job.PageId} is not served here (no Messenger__Pages__{job.PageId}__AccessToken).", statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            return await RegisterAndEnqueueAsync(job, jobs, queue, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFailure.IsStorageFault(e))
        {
            return StorageUnavailable.Problem(e, "the job may not be queued; submitting it again is safe.");
        }
    }

    private static async Task<Results<Accepted<FollowUpStatus>, ProblemHttpResult>> RegisterAndEnqueueAsync(
        FollowUpJob job, FollowUpJobStore jobs, FollowUpQueueClient queue, CancellationToken cancellationToken)
    {
        var registration = await jobs.RegisterAsync(job, JobState.Queued, cancellationToken).ConfigureAwait(false);
        if (registration.Kind == JobRegistrationKind.Conflict)
        {
            return TypedResults.Problem($"Job ID '{job.JobId}' is already used for a different follow-up ({registration.Difference}).", statusCode: StatusCodes.Status409Conflict);
        }
        if (await ShouldEnqueueAsync(registration, job, jobs, cancellationToken).ConfigureAwait(false))
        {
            await queue.EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
        }
        var status = await jobs.GetStatusAsync(job.JobId, cancellationToken).ConfigureAwait(false);
        return TypedResults.Accepted($"{Route}/{Uri.EscapeDataString(job.JobId)}", status);
    }

    /// <summary>
    /// New and still-queued jobs are enqueued (a queued job's earlier enqueue may have failed; a second copy is
    /// dropped by the processor); a stopped job is resumed; a running or finished one is left alone.
    /// </summary>
    private static async Task<bool> ShouldEnqueueAsync(JobRegistration registration, FollowUpJob job, FollowUpJobStore jobs, CancellationToken cancellationToken) =>
        registration.Kind == JobRegistrationKind.Created
        || registration.State == JobState.Queued
        || (registration.State == JobState.Stopped
            && await jobs.TryChangeStateAsync(job.JobId, JobState.Stopped, JobState.Queued, null, cancellationToken).ConfigureAwait(false));

    public static async Task<Results<Ok<FollowUpStatus>, ProblemHttpResult>> GetStatusAsync(string jobId, FollowUpJobStore jobs, CancellationToken cancellationToken)
    {
        try
        {
            var status = await jobs.GetStatusAsync(jobId, cancellationToken).ConfigureAwait(false);
            return status is null ? UnknownJob(jobId) : TypedResults.Ok(status);
        }
        catch (Exception e) when (StorageFailure.IsStorageFault(e))
        {
            return StorageUnavailable.Problem(e, "the job's status could not be read; ask again.");
        }
    }

    /// <summary>
    /// Cancels a job that has not completed: 202 with its status once no call can start any more (calls already
    /// under way may finish); again on a cancelled job, the same; 409 on a completed job; 404 on an unknown one.
    /// </summary>
    public static async Task<Results<Accepted<FollowUpStatus>, ProblemHttpResult>> CancelAsync(
        string jobId,
        FollowUpCancellation cancellation,
        CancellationToken cancellationToken)
    {
        FollowUpStatus? status;
        try
        {
            status = await cancellation.CancelAsync(jobId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFailure.IsStorageFault(e))
        {
            return StorageUnavailable.Problem(e, "the job may not be cancelled; cancelling it again is safe.");
        }
        return status switch
        {
            null => UnknownJob(jobId),
            { State: JobState.Completed } => TypedResults.Problem($"Follow-up job '{jobId}' has completed; there is nothing left to cancel.", statusCode: StatusCodes.Status409Conflict),
            _ => TypedResults.Accepted($"{Route}/{Uri.EscapeDataString(jobId)}", status),
        };
    }

    private static ProblemHttpResult UnknownJob(string jobId) =>
        TypedResults.Problem($"No follow-up job '{jobId}'.", statusCode: StatusCodes.Status404NotFound);
}
