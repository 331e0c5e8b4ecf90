using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using OneTimeNotif.Functions.Http;
using OneTimeNotif.OptInRequests;

namespace OneTimeNotif.Functions;

/// <summary>Sends the OTN request template to a user: for services, so guarded by a function key.</summary>
public sealed class OptInRequestFunctions(OptInRequestSender sender)
{
    [Function(nameof(SendOptInRequest))]
    public async Task<IActionResult> SendOptInRequest(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "optin-requests")] HttpRequest request,
        CancellationToken cancellationToken) =>
        (await OptInRequestEndpoints.SendAsync(request, sender, cancellationToken).ConfigureAwait(false))
            .ToActionResult();
}
