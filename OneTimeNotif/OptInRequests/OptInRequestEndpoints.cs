using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OneTimeNotif.Http;

namespace OneTimeNotif.OptInRequests;

/// <summary>
/// <c>POST /api/optin-requests</c>: sends the OTN request template to a user. For services, so key-protected: by
/// Function keys on Azure, by the standalone host's key filter locally.
/// </summary>
public static class OptInRequestEndpoints
{
    public const string Route = "/api/optin-requests";

    /// <summary>Far above any valid request (a 65-character title, a 1,000-character payload), far below anything costly.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static RouteGroupBuilder MapOptInRequests(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route).WithTags("OTN requests");
        group.MapPost("", SendAsync);
        return group;
    }

    public static async Task<Results<Ok<OptInRequestSent>, ProblemHttpResult>> SendAsync(
        HttpRequest request,
        OptInRequestSender sender,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var body = await RequestBody.ReadAsync(request, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return TypedResults.Problem($"A request is at most {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        if (!TryParse(body, out var optInRequest, out var error))
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }

        var result = await sender.SendAsync(optInRequest!, cancellationToken).ConfigureAwait(false);
        if (result.Status == OptInRequestStatus.Sent)
        {
            return TypedResults.Ok(new OptInRequestSent(optInRequest!.PageId, optInRequest.Psid, result.MessageId!));
        }
        if (result.RetryAfter is { } retryAfter)
        {
            request.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return TypedResults.Problem(result.Reason, statusCode: StatusCodeOf(result.Status), extensions: MetaFields(result));
    }

    private static bool TryParse(byte[] body, out OptInRequest? request, out string? error)
    {
        request = null;
        try
        {
            if (JsonNode.Parse(body) is JsonObject json)
            {
                return OptInRequest.TryRead(json, out request, out error);
            }
        }
        catch (JsonException)
        {
            // Reported below like any body that is not an object.
        }
        error = "The body must be a JSON object: {\"pageId\", \"psid\", \"title\", \"payload\", optional \"sensitiveValues\": [...]}.";
        return false;
    }

    public static int StatusCodeOf(OptInRequestStatus status) => status switch
    {
        OptInRequestStatus.Invalid => StatusCodes.Status400BadRequest,
        OptInRequestStatus.TooManyRequests => StatusCodes.Status429TooManyRequests,
        OptInRequestStatus.UserNotReachable => StatusCodes.Status409Conflict,
        OptInRequestStatus.MetaUnavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status502BadGateway,
    };

    /// <summary>Meta's code, subcode and trace id, so a caller can branch on them and support can trace the call.</summary>
    private static Dictionary<string, object?>? MetaFields(OptInRequestResult result) => result.Error is not { } error
        ? null
        : new Dictionary<string, object?> { ["metaCode"] = error.Code, ["metaSubcode"] = error.Subcode, ["fbtraceId"] = error.FbTraceId };
}
