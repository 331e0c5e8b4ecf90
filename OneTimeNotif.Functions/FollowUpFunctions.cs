using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.FollowUps;
using OneTimeNotif.Functions.Http;

namespace OneTimeNotif.Functions;

/// <summary>Submitting a follow-up job and reading its outcome: for services, so guarded by a function key.</summary>
public sealed class FollowUpFunctions(FollowUpJobs jobs, FollowUpQueueClient queue, IOptionsMonitor<MessengerOptions> messenger)
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
}
