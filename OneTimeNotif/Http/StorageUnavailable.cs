using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Http;

/// <summary>
/// How an API endpoint answers when its storage calls failed after the SDK's retries (unreachable, throttling, or a
/// refusal such as a revoked key): 503 naming the storage error, never a bare 500, so a caller knows to retry. Every
/// endpoint that answers this is safe to call again.
/// </summary>
public static class StorageUnavailable
{
    /// <param name="failure">What storage threw; only its kind and code are quoted, never its message.</param>
    /// <param name="consequence">What was not done, and what a retry does.</param>
    public static ProblemHttpResult Problem(Exception failure, string consequence) =>
        TypedResults.Problem(
            $"Storage did not answer as needed ({StorageFailure.Describe(failure)}): {consequence}",
            statusCode: StatusCodes.Status503ServiceUnavailable);
}
