using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Functions.Http;

namespace OneTimeNotif.Functions;

/// <summary>Submitting, reading and cancelling a follow-up job: for services, so guarded by a function key.</summary>
public sealed class FollowUpFunctions(FollowUpJobStore jobs, FollowUpQueueClient queue, FollowUpCancellation cancellation, IOptionsMonitor<MessengerOptions> messenger)
{
    [Function(nameof(SubmitFollowUp))]
    public async Task<IActionResult> SubmitFollowUp(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "followups")] HttpRequest request,
        CancellationToken cancellationToken) =>
        (await FollowUpEndpoints.SubmitAsync(request, jobs, queue, messenger, cancellationToken).ConfigureAwait(false))
            .ToActionResult();

    /// <remarks>The request is only the trigger; <paramref name="jobId"/> is bound from the route.</remarks>
    [Function(nameof(GetFollowUpStatus))]
    public async Task<IActionResult> GetFollowUpStatus(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "followups/{jobId}")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken) =>
        (await FollowUpEndpoints.GetStatusAsync(jobId, jobs, cancellationToken).ConfigureAwait(false))
            .ToActionResult();

    /// <remarks>The request is only the trigger; <paramref name="jobId"/> is bound from the route.</remarks>
    [Function(nameof(CancelFollowUp))]
    public async Task<IActionResult> CancelFollowUp(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "followups/{jobId}")] HttpRequest request,
        string jobId,
        CancellationToken cancellationToken) =>
        (await FollowUpEndpoints.CancelAsync(jobId, cancellation, cancellationToken).ConfigureAwait(false))
            .ToActionResult();
}
