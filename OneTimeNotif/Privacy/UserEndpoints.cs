using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OneTimeNotif.Configuration;
using OneTimeNotif.Http;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Privacy;

/// <summary>
/// <c>DELETE /api/users/{pageId}/{psid}</c>: erases a user, for a Page owner honouring a request to be forgotten.
/// Key-protected: by Function keys on Azure, by the standalone host's key filter locally.
/// </summary>
public static class UserEndpoints
{
    public const string Route = "/api/users";

    public static RouteGroupBuilder MapUsers(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route).WithTags("Users");
        group.MapDelete("{pageId}/{psid}", EraseAsync);
        return group;
    }

    /// <summary>200 with the counts once everything is deleted; zeros for a user with nothing stored.</summary>
    public static async Task<Results<Ok<ErasureCounts>, ProblemHttpResult>> EraseAsync(string pageId, string psid, UserEraser eraser, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eraser);
        if (!MetaId.IsValid(pageId) || !MetaId.IsValid(psid))
        {
            return TypedResults.Problem("The Page ID and the PSID are decimal numbers (as in every Graph API payload).", statusCode: StatusCodes.Status400BadRequest);
        }
        try
        {
            return TypedResults.Ok(await eraser.EraseAsync(pageId, psid, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (StorageFailure.IsStorageFault(e))
        {
            // Every step can be repeated: the caller retries, and the erasure finds what is left through the index.
            return StorageUnavailable.Problem(e, "the erasure did not finish; erasing again finds what is left.");
        }
    }
}
