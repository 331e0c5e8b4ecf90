using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;

namespace OneTimeNotif.SendApi;

/// <summary>
/// Meta's Send API (<c>POST /{version}/{page-id}/messages</c>) as a typed <see cref="HttpClient"/>. The Page
/// access token travels only in the Authorization header; <c>appsecret_proof</c> goes in the body, so no secret
/// is ever part of a URL.
/// </summary>
public sealed class SendApiClient(HttpClient http, IOptionsMonitor<MessengerOptions> options, SendRateLimiter rateLimiter, ILogger<SendApiClient> logger)
{
    /// <summary>
    /// How often a throttled token send goes again at once, in the Page's next free slot. A refusal now and then
    /// comes from calls that reached Meta bunched together, and a slot later there is room; a limit that outlasts
    /// these attempts is reported as throttled, and the follow-up backs off and retries the user later.
    /// </summary>
    private const int ThrottleRetries = 2;

    /// <summary>Redeems an OTN token: one message to whoever opted in with it.</summary>
    /// <param name="mayStart">
    /// Asked right before each call leaves, after the pacing wait: false withdraws the call
    /// (<see cref="SendStatus.NotStarted"/>). A follow-up uses it so that no call starts once its job is cancelled.
    /// </param>
    public Task<SendResult> SendWithTokenAsync(string pageId, string token, JsonObject message, Func<CancellationToken, ValueTask<bool>>? mayStart = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return SendWithAsync(pageId, new JsonObject { ["one_time_notif_token"] = token }, message, mayStart, cancellationToken);
    }

    /// <summary>
    /// Sends with a recurring token (<c>notification_messages_token</c>): not spent by the send, but Meta refuses
    /// another message with it within its interval (<see cref="SendStatus.TooSoon"/>) and once the user stopped it.
    /// </summary>
    public Task<SendResult> SendWithRecurringTokenAsync(string pageId, string token, JsonObject message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return SendWithAsync(pageId, new JsonObject { ["notification_messages_token"] = token }, message, mayStart: null, cancellationToken);
    }

    private async Task<SendResult> SendWithAsync(string pageId, JsonObject recipient, JsonObject message, Func<CancellationToken, ValueTask<bool>>? mayStart, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var result = await SendAsync(pageId, recipient.DeepClone().AsObject(), message, tokenSend: true, mayStart, cancellationToken).ConfigureAwait(false);
            // A throttled call delivered nothing, so the same token may go again.
            if (result.Status != SendStatus.Throttled || attempt == ThrottleRetries)
            {
                return result;
            }
        }
    }

    /// <summary>Sends to a PSID inside the 24-hour window (the OTN request template, for one).</summary>
    public Task<SendResult> SendToUserAsync(string pageId, string psid, JsonObject message, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(psid);
        return SendAsync(pageId, new JsonObject { ["id"] = psid }, message, tokenSend: false, mayStart: null, cancellationToken);
    }

    private async Task<SendResult> SendAsync(string pageId, JsonObject recipient, JsonObject message, bool tokenSend, Func<CancellationToken, ValueTask<bool>>? mayStart, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(pageId);
        ArgumentNullException.ThrowIfNull(message);
        var settings = options.CurrentValue;
        if (!settings.Pages.TryGetValue(pageId, out var page) || string.IsNullOrEmpty(page.AccessToken))
        {
            return new SendResult(SendStatus.ConfigurationFault, Reason: $"No access token is configured for Page {pageId} (Messenger__Pages__{pageId}__AccessToken).");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.GraphBaseUrl, $"{settings.GraphApiVersion}/{pageId}/messages"))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["recipient"] = recipient,
                ["message"] = message.DeepClone(),
                ["appsecret_proof"] = AppSecretProof(page.AccessToken, settings.AppSecret),
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", page.AccessToken);

        await rateLimiter.WaitAsync(pageId, cancellationToken).ConfigureAwait(false);
        if (mayStart is not null && !await mayStart(cancellationToken).ConfigureAwait(false))
        {
            return new SendResult(SendStatus.NotStarted, Reason: "The call was withdrawn before it left.");
        }
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return await ReadResultAsync(response, pageId, tokenSend, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Whether Meta received the call is unknown; retrying with the same token is safe because a token
            // delivers at most once: a second send of a spent token is refused.
            SendApiLog.NetworkFailure(logger, pageId, e.GetType().Name);
            return new SendResult(SendStatus.Transient, Reason: $"The Send API could not be reached ({e.GetType().Name}).");
        }
    }

    private async Task<SendResult> ReadResultAsync(HttpResponseMessage response, string pageId, bool tokenSend, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonNode? json = null;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            // Proxies and outages answer with HTML; the status code decides below.
        }

        if (response.IsSuccessStatusCode && json?["message_id"]?.GetValue<string>() is { Length: > 0 } messageId)
        {
            return SendResult.Sent(messageId);
        }
        var error = json?["error"];
        var metaError = new MetaError(
            (int)response.StatusCode,
            ReadInt(error?["code"]),
            ReadInt(error?["error_subcode"]),
            error?["type"]?.GetValueKind() == JsonValueKind.String ? error["type"]!.GetValue<string>() : null,
            error?["fbtrace_id"]?.GetValueKind() == JsonValueKind.String ? error["fbtrace_id"]!.GetValue<string>() : null);
        var metaMessage = error?["message"]?.GetValueKind() == JsonValueKind.String ? error["message"]!.GetValue<string>() : null;
        var result = SendErrorClassifier.Classify(metaError, tokenSend, metaMessage);
        SendApiLog.Refused(logger, pageId, metaError.HttpStatus, metaError.Code, metaError.Subcode, metaError.FbTraceId, result.Status);
        return result;
    }

    private static int? ReadInt(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out int value) ? value : null;

    /// <summary>Meta's "Require App Secret" proof: hex HMAC-SHA256 of the access token keyed with the App Secret.</summary>
    public static string AppSecretProof(string accessToken, string appSecret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), Encoding.UTF8.GetBytes(accessToken)));
}
