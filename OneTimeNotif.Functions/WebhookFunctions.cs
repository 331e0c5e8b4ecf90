using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Functions.Http;
using OneTimeNotif.Webhook;

namespace OneTimeNotif.Functions;

/// <summary>
/// Meta's webhook: the subscription handshake and the signed events. Anonymous because Meta cannot send a function
/// key; the verify token guards the handshake and the X-Hub-Signature-256 check guards every POST.
/// </summary>
public sealed class WebhookFunctions(
    WebhookVerification verification,
    WebhookReceiver receiver,
    IOptions<WebhookOptions> options,
    ILogger<WebhookVerification> verificationLogger,
    ILogger<WebhookReceiver> receiverLogger)
{
    /// <summary><see cref="WebhookEndpoints.Route"/> without the <c>/api/</c> prefix the Functions host adds.</summary>
    private const string Route = "webhook";

    [Function(nameof(VerifyWebhook))]
    public IActionResult VerifyWebhook([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Route)] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = request.Query;
        return WebhookEndpoints.Verify(query["hub.mode"], query["hub.verify_token"], query["hub.challenge"], verification, verificationLogger)
            .ToActionResult();
    }

    [Function(nameof(ReceiveWebhook))]
    public async Task<IActionResult> ReceiveWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Route)] HttpRequest request,
        CancellationToken cancellationToken) =>
        (await WebhookEndpoints.ReceiveAsync(request, receiver, options, receiverLogger, cancellationToken).ConfigureAwait(false))
            .ToActionResult();
}
