using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Http;

namespace OneTimeNotif.Webhook;

/// <summary>
/// <c>GET /api/webhook</c> (Meta's handshake) and <c>POST /api/webhook</c> (signed events). Anonymous: Meta cannot
/// send a key header, so the signature is the guard. The Functions app calls these same handlers.
/// </summary>
public static class WebhookEndpoints
{
    public const string Route = "/api/webhook";

    public static RouteGroupBuilder MapWebhook(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Route).AllowAnonymous().WithTags("Webhook");
        group.MapGet("", Verify);
        group.MapPost("", ReceiveAsync);
        return group;
    }

    public static Results<ContentHttpResult, ProblemHttpResult> Verify(
        [FromQuery(Name = "hub.mode")] string? mode,
        [FromQuery(Name = "hub.verify_token")] string? verifyToken,
        [FromQuery(Name = "hub.challenge")] string? challenge,
        WebhookVerification verification,
        ILogger<WebhookVerification> logger)
    {
        if (!verification.Accepts(mode, verifyToken, challenge))
        {
            WebhookLog.VerificationRefused(logger);
            return TypedResults.Problem(
                "hub.mode must be 'subscribe' and hub.verify_token must match the configured verify token.",
                statusCode: StatusCodes.Status403Forbidden);
        }
        WebhookLog.Verified(logger);
        return TypedResults.Text(challenge, "text/plain");
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> ReceiveAsync(
        HttpRequest request,
        WebhookReceiver receiver,
        IOptions<WebhookOptions> options,
        ILogger<WebhookReceiver> logger,
        CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxBodyBytes;
        var body = await RequestBody.ReadAsync(request, maxBytes, cancellationToken, options.Value.BodyTimeout).ConfigureAwait(false);
        if (body is null)
        {
            WebhookLog.TooLarge(logger, maxBytes);
            return TypedResults.Problem($"The body is larger than {maxBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var outcome = await receiver.ReceiveAsync(body, request.Headers[WebhookSignature.HeaderName], cancellationToken).ConfigureAwait(false);
        return outcome.Status switch
        {
            WebhookStatus.Accepted => TypedResults.Text("EVENT_RECEIVED", "text/plain"),
            WebhookStatus.Unauthorized => TypedResults.Problem(outcome.Reason, statusCode: StatusCodes.Status401Unauthorized),
            WebhookStatus.Malformed => TypedResults.Problem(outcome.Reason, statusCode: StatusCodes.Status400BadRequest),
            _ => TypedResults.Problem(outcome.Reason, statusCode: StatusCodes.Status503ServiceUnavailable),
        };
    }
}
