using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.Storage;

namespace OneTimeNotif.SendApi;

/// <summary>
/// Meta's Send API (<c>POST /{version}/{page-id}/messages</c>) as a typed <see cref="HttpClient"/>. The Page
/// access token travels only in the Authorization header; <c>appsecret_proof</c> goes in the body, so no secret
/// is ever part of a URL. Every call, follow-up or OTN request, takes a slot of the Page's shared
/// <see cref="SendBudget"/>, and Meta's throttling answers and usage headers go back to it.
/// </summary>
public sealed class SendApiClient(HttpClient http, IOptionsMonitor<MessengerOptions> options, SendBudget budget, SendApiWarmUp warmUp, ILogger<SendApiClient> logger)
{
    /// <summary>
    /// How often a throttled call goes again once the Page's pause is over, within the wait a send is allowed. A
    /// limit that outlasts these attempts is reported as throttled, and the caller comes back later.
    /// </summary>
    private const int ThrottleRetries = 2;

    /// <summary>
    /// How many slots a call may let go by before it gives up: an instance this busy is told to come back a second
    /// later (a follow-up segment goes back to the queue), rather than take slot after slot it cannot use.
    /// </summary>
    private const int MaxLateSlots = 10;

    private static readonly TimeSpan ComeBackWhenLate = TimeSpan.FromSeconds(1);

    /// <summary>Redeems an OTN token: one message to whoever opted in with it.</summary>
    /// <param name="mayStart">
    /// Asked right before each call leaves, after the pacing wait: false withdraws the call
    /// (<see cref="SendStatus.NotStarted"/>). A follow-up uses it so that no call starts once its job is cancelled.
    /// </param>
    public Task<SendResult> SendWithTokenAsync(string pageId, string token, JsonObject message, Func<CancellationToken, ValueTask<bool>>? mayStart = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return SendAsync(pageId, new JsonObject { ["one_time_notif_token"] = token }, message, tokenSend: true, mayStart, cancellationToken);
    }

    /// <summary>
    /// Sends with a recurring token (<c>notification_messages_token</c>): not spent by the send, but Meta refuses
    /// another message with it within its interval (<see cref="SendStatus.TooSoon"/>) and once the user stopped it.
    /// </summary>
    /// <param name="mayStart">As for <see cref="SendWithTokenAsync"/>: false withdraws the call before it leaves.</param>
    public Task<SendResult> SendWithRecurringTokenAsync(string pageId, string token, JsonObject message, Func<CancellationToken, ValueTask<bool>>? mayStart = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return SendAsync(pageId, new JsonObject { ["notification_messages_token"] = token }, message, tokenSend: true, mayStart, cancellationToken);
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
        for (var attempt = 0; ; attempt++)
        {
            if (await WaitForSlotAsync(pageId, mayStart, cancellationToken).ConfigureAwait(false) is { } notSent)
            {
                return notSent;
            }
            SendResult result;
            try
            {
                result = await CallAsync(settings, page.AccessToken, pageId, recipient, message, tokenSend, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                warmUp.CallEnded();
            }
            // A throttled call delivered nothing, so the same token may go again once the Page's pause is over.
            if (result.Status != SendStatus.Throttled || attempt == ThrottleRetries)
            {
                return result;
            }
        }
    }

    /// <summary>
    /// Waits for the Page's next slot, then asks <paramref name="mayStart"/>, right before the call leaves, so a job
    /// stopped meanwhile starts no call. Returns null when the call may go now; else why not. A call whose slot went
    /// by meanwhile (a slow answer from <paramref name="mayStart"/>, a process not yet warm) takes a fresh slot: late
    /// calls would leave together, over the Page's rate.
    /// </summary>
    private async Task<SendResult?> WaitForSlotAsync(string pageId, Func<CancellationToken, ValueTask<bool>>? mayStart, CancellationToken cancellationToken)
    {
        for (var late = 0; late < MaxLateSlots;)
        {
            var grant = await budget.AcquireAsync(pageId, cancellationToken).ConfigureAwait(false);
            if (!grant.Granted)
            {
                return SendResult.NoBudget(pageId, grant.RetryAfter);
            }
            // Quick but for the first read of a job's state, which the gate then remembers for the next slot.
            if (mayStart is not null && !await mayStart(cancellationToken).ConfigureAwait(false))
            {
                return new SendResult(SendStatus.NotStarted, Reason: "The call was withdrawn before it left.");
            }
            if (!budget.IsOnTime(grant))
            {
                late++;
                continue;
            }
            if (warmUp.MayCall())
            {
                return null;
            }
            await warmUp.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        return new SendResult(SendStatus.Throttled, Reason: $"This instance could not send to Page {pageId} within {SendBudget.LateSlot.TotalMilliseconds} ms of its slot {MaxLateSlots} times running; it comes back later.", RetryAfter: ComeBackWhenLate);
    }

    private async Task<SendResult> CallAsync(MessengerOptions settings, string accessToken, string pageId, JsonObject recipient, JsonObject message, bool tokenSend, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.GraphBaseUrl, $"{settings.GraphApiVersion}/{pageId}/messages"))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["recipient"] = recipient.DeepClone(),
                ["message"] = message.DeepClone(),
                ["appsecret_proof"] = AppSecretProof(accessToken, settings.AppSecret),
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        SendResult result;
        MetaUsage usage;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            result = await ReadResultAsync(response, pageId, tokenSend, cancellationToken).ConfigureAwait(false);
            usage = MetaUsage.Read(response.Headers, pageId);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Whether Meta received the call is unknown; retrying with the same token is safe because a token
            // delivers at most once: a second send of a spent token is refused.
            SendApiLog.NetworkFailure(logger, pageId, e.GetType().Name);
            return new SendResult(SendStatus.Transient, Reason: $"The Send API could not be reached ({e.GetType().Name}).");
        }
        await ObserveAsync(pageId, result, usage, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Tells the Page's budget what Meta said. Meta's answer stands even when storage fails here: a message Meta
    /// delivered must be recorded as sent, and the pause this instance already took holds its own calls back.
    /// </summary>
    private async Task ObserveAsync(string pageId, SendResult result, MetaUsage usage, CancellationToken cancellationToken)
    {
        try
        {
            await budget.ObserveAsync(pageId, result, usage, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFailure.IsStorageFault(e) && !cancellationToken.IsCancellationRequested)
        {
            SendApiLog.BudgetNotShared(logger, pageId, StorageFailure.Describe(e));
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
