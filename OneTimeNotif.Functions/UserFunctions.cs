using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using OneTimeNotif.Functions.Http;
using OneTimeNotif.Privacy;

namespace OneTimeNotif.Functions;

/// <summary>Erasing a user on a Page owner's request: for services, so guarded by a function key.</summary>
public sealed class UserFunctions(UserEraser eraser)
{
    /// <remarks>The request is only the trigger; <paramref name="pageId"/> and <paramref name="psid"/> are bound from the route.</remarks>
    [Function(nameof(EraseUser))]
    public async Task<IActionResult> EraseUser(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "users/{pageId}/{psid}")] HttpRequest request,
        string pageId,
        string psid,
        CancellationToken cancellationToken) =>
        (await UserEndpoints.EraseAsync(pageId, psid, eraser, cancellationToken).ConfigureAwait(false)).ToActionResult();
}
