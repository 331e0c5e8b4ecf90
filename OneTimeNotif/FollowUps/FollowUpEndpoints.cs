using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.Http;

namespace OneTimeNotif.FollowUps;

/// <summary>
/// <c>POST /api/followups</c> (submit a job, 202) and <c>GET /api/followups/{jobId}</c> (its outcome counts).
/// For services, so key-protected: by Function keys on Azure, by the standalone host's key filter locally.
/// </summary>
public static class FollowUpEndpoints
{
    public const string Route = "/api/followups";

    public static RouteGroupBuilder MapFollowUps(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route).WithTags("Follow-ups");
        group.MapPost("", SubmitAsync);
        group.MapGet("{jobId}", GetStatusAsync);
        return group;
    }

    public static async Task<Results<Accepted<FollowUpStatus>, ProblemHttpResult>> SubmitAsync(
        HttpRequest request,
        FollowUpJobs jobs,
        FollowUpQueueClient queue,
        IOptionsMonitor<MessengerOptions> messenger,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(request, FollowUpQueueClient.MaxMessageBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return TypedResults.Problem($"A job is at most {FollowUpQueueClient.MaxMessageBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        if (!FollowUpJob.TryParse(Encoding.UTF8.GetString(body), out var job, out var error))
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }
        if (!messenger.CurrentValue.Pages.ContainsKey(job!.PageId))
        {
            return TypedResults.Problem($"Page {job.PageId} is not served here (no Messenger__Pages__{job.PageId}__AccessToken).", statusCode: StatusCodes.Status400BadRequest);
        }

        var registration = await jobs.RegisterAsync(job, JobState.Queued, cancellationToken).ConfigureAwait(false);
        if (registration.Kind == JobRegistrationKind.Conflict)
        {
            return TypedResults.Problem($"Job ID '{job.JobId}' is already used for a different follow-up.", statusCode: StatusCodes.Status409Conflict);
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
    private static async Task<bool> ShouldEnqueueAsync(JobRegistration registration, FollowUpJob job, FollowUpJobs jobs, CancellationToken cancellationToken) =>
        registration.Kind == JobRegistrationKind.Created
        || registration.State == JobState.Queued
        || (registration.State == JobState.Stopped
            && await jobs.TryChangeStateAsync(job.JobId, JobState.Stopped, JobState.Queued, null, cancellationToken).ConfigureAwait(false));

    public static async Task<Results<Ok<FollowUpStatus>, ProblemHttpResult>> GetStatusAsync(string jobId, FollowUpJobs jobs, CancellationToken cancellationToken)
    {
        var status = await jobs.GetStatusAsync(jobId, cancellationToken).ConfigureAwait(false);
        return status is null
            ? TypedResults.Problem($"No follow-up job '{jobId}'.", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Ok(status);
    }
}
