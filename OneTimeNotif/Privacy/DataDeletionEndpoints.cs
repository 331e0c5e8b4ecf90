using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.Http;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Privacy;

/// <summary>
/// Meta's data-deletion callback, <c>POST /api/meta/data-deletion</c>, and the status page it points people to,
/// <c>GET /api/meta/data-deletion/{code}</c>. Anonymous: Meta cannot send a key, so the signed request is the guard,
/// and the status page shows only what its unguessable code was issued for.
/// </summary>
public static class DataDeletionEndpoints
{
    public const string Route = "/api/meta/data-deletion";

    /// <summary>A signed request is a few hundred bytes; anything far larger is not one.</summary>
    private const int MaxBodyBytes = 16 * 1024;

    public static RouteGroupBuilder MapDataDeletion(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route).AllowAnonymous().WithTags("Privacy");
        group.MapPost("", ReceiveAsync);
        group.MapGet("{code}", StatusPageAsync);
        return group;
    }

    public static async Task<Results<Ok<DataDeletionAnswer>, ProblemHttpResult>> ReceiveAsync(
        HttpRequest request,
        DataDeletionRequests requests,
        DataDeletionQueueClient queue,
        IOptionsMonitor<MessengerOptions> messenger,
        IOptionsMonitor<PrivacyOptions> privacy,
        ILogger<DataDeletionRequests> logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = messenger.CurrentValue;
        if (string.IsNullOrEmpty(settings.AppId))
        {
            return TypedResults.Problem("Messenger__AppId is not configured: Meta's ID-matching API needs it to find the user.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (!request.HasFormContentType || request.ContentLength > MaxBodyBytes)
        {
            return TypedResults.Problem("Send application/x-www-form-urlencoded with a signed_request field.", statusCode: StatusCodes.Status400BadRequest);
        }
        var form = await request.ReadFormAsync(new Microsoft.AspNetCore.Http.Features.FormOptions { ValueLengthLimit = MaxBodyBytes, ValueCountLimit = 16 }, cancellationToken).ConfigureAwait(false);
        if (!SignedRequest.TryVerify(form["signed_request"], settings.AppSecret, out var userId, out var error))
        {
            PrivacyLog.DeletionRefused(logger, error!);
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }
        try
        {
            // Recorded before it is queued: a request on the queue always has a record to complete.
            var code = await requests.RecordAsync(cancellationToken).ConfigureAwait(false);
            await queue.EnqueueAsync(new DataDeletionWork(code, userId!), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            PrivacyLog.DeletionReceived(logger, code);
            var baseUrl = privacy.CurrentValue.PublicBaseUrl?.ToString().TrimEnd('/') ?? $"{request.Scheme}://{request.Host}{request.PathBase}";
            return TypedResults.Ok(new DataDeletionAnswer($"{baseUrl}{Route}/{code}", code));
        }
        catch (Exception e) when (StorageFailure.IsStorageFault(e))
        {
            return StorageUnavailable.Problem(e, "the request was not recorded; Meta may send it again.");
        }
    }

    public static async Task<ContentHttpResult> StatusPageAsync(string code, DataDeletionRequests requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var request = await requests.FindAsync(code, cancellationToken).ConfigureAwait(false);
        return request is null
            ? TypedResults.Content(DataDeletionPage.NotFound(code), "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Content(DataDeletionPage.For(request), "text/html; charset=utf-8");
    }
}

/// <summary>What Meta expects back from the callback.</summary>
public sealed record DataDeletionAnswer(
    [property: System.Text.Json.Serialization.JsonPropertyName("url")] string Url,
    [property: System.Text.Json.Serialization.JsonPropertyName("confirmation_code")] string ConfirmationCode);
