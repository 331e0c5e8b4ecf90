using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OneTimeNotif.FakeSendApi;

/// <summary>
/// Meta's Send API as far as OneTimeNotif relies on it: Bearer Page tokens (190 when wrong), appsecret_proof,
/// single-use OTN tokens (100 on a second use), reusable recurring tokens (4/2018354 within 48 hours of the last
/// message, 10/1893015 once stopped), unavailable users (551), 613 above a per-Page rate (each Page may have its own),
/// 80006 blocks that calls during them extend, usage headers (<c>X-App-Usage</c>, <c>X-Business-Use-Case-Usage</c>),
/// Page-wide refusals, the request templates' fields (100 for a bad title, payload, image or button), the recurring
/// request's once-a-week rule (613/1893016), latency, and failures queued by a test. Every call is recorded with its
/// arrival time, so tests can count calls per second. Runs on Kestrel on a loopback port.
/// </summary>
public sealed class FakeSendApiServer : IAsyncDisposable
{
    private const string OneTimeNotifTemplate = "one_time_notif_req";
    private const string RecurringTemplate = "notification_messages";

    /// <summary>Meta: one recurring request per user per week with the same title.</summary>
    private static readonly TimeSpan RecurringRequestInterval = TimeSpan.FromDays(7);

    private static readonly HashSet<string> CtaTexts = ["ALLOW", "GET", "GET_UPDATES", "OPT_IN", "SIGN_UP"];

    /// <summary>Meta's limit on the request template's title; Meta does not say how it counts, the fake counts what users see.</summary>
    private const int MaxTitleLength = 65;

    private readonly WebApplication _app;
    private readonly FakeSendApiOptions _options;
    private readonly ConcurrentDictionary<string, byte> _usedTokens = new();
    private readonly ConcurrentDictionary<string, FakeError> _tokenErrors = new();
    private readonly ConcurrentQueue<FakeError> _nextErrors = new();
    private int _shortBlocksLeft;
    private TimeSpan _shortBlock;
    private readonly ConcurrentDictionary<string, Queue<long>> _recentCalls = new();
    private readonly ConcurrentQueue<FakeDelivery> _deliveries = new();
    private readonly ConcurrentQueue<string> _targets = new();
    private readonly ConcurrentDictionary<string, List<(string PageId, string Psid)>> _appUsers = new();
    private readonly ConcurrentQueue<FakeCall> _callLog = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _blockedUntil = new();
    private readonly ConcurrentDictionary<string, FakeError> _pageRefusals = new();
    private readonly ConcurrentDictionary<string, int> _pageUsage = new();
    private readonly ConcurrentDictionary<string, byte> _stoppedRecurringTokens = new();
    private readonly Dictionary<string, DateTimeOffset> _recurringLastSent = [];
    private readonly Dictionary<(string PageId, string Psid, string Title), DateTimeOffset> _recurringRequests = [];
    private int _calls;
    private int _throttled;
    private int _revokePageTokensAfter = int.MaxValue;

    private FakeSendApiServer(WebApplication app, FakeSendApiOptions options)
    {
        _app = app;
        _options = options;
    }

    public Uri BaseUrl => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public IReadOnlyCollection<FakeDelivery> Deliveries => _deliveries;

    /// <summary>Path and query of every call, to check that no secret ever travels in a URL.</summary>
    public IReadOnlyCollection<string> RequestTargets => _targets;
    public int Calls => _calls;
    public int Throttled => _throttled;

    /// <summary>Settable while running: benchmarks switch the rate limit between phases.</summary>
    public int MaxCallsPerSecondPerPage { get => _options.MaxCallsPerSecondPerPage; set => _options.MaxCallsPerSecondPerPage = value; }
    public TimeSpan Latency { get => _options.Latency; set => _options.Latency = value; }

    /// <summary>Every call answered, in order of arrival.</summary>
    public IReadOnlyCollection<FakeCall> CallLog => _callLog;

    /// <summary>When set, every answer carries <c>X-App-Usage</c> with this percentage (Meta's app-wide usage).</summary>
    public int? AppUsagePercent { get; set; }

    /// <summary>Calls to <paramref name="pageId"/> per wall-clock second (UTC), first second first; throttled calls included.</summary>
    public IReadOnlyList<(DateTimeOffset Second, int Calls)> CallsPerSecond(string pageId) =>
        [.. _callLog.Where(c => c.PageId == pageId)
            .GroupBy(c => new DateTimeOffset(c.At.Ticks - (c.At.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero))
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, g.Count()))];

    /// <summary>Sets <paramref name="pageId"/>'s own calls per second before 613 (Meta's limit, unknown to the sender).</summary>
    public void LimitPage(string pageId, int callsPerSecond) => _options.PageLimits[pageId] = callsPerSecond;

    /// <summary>
    /// Blocks the Page from now for <paramref name="duration"/>: every call answers 80006 with the time left in
    /// <c>X-Business-Use-Case-Usage</c> (<c>estimated_time_to_regain_access</c>, in minutes: fractions of one when the
    /// block is shorter, so tests stay short), and pushes the block's end to at least
    /// <see cref="FakeSendApiOptions.BlockExtension"/> after itself, as Meta's blocks do.
    /// </summary>
    public void BlockPage(string pageId, TimeSpan duration) => _blockedUntil[pageId] = DateTimeOffset.UtcNow + duration;

    /// <summary>When the Page's block ends (or ended) as calls have extended it; null if it was never blocked.</summary>
    public DateTimeOffset? BlockedUntil(string pageId) => _blockedUntil.TryGetValue(pageId, out var until) ? until : null;

    /// <summary>Every send to <paramref name="pageId"/> is refused with <paramref name="error"/> (a Page-wide refusal such as 10/2018065); null ends it.</summary>
    public void RefuseAll(string pageId, FakeError? error)
    {
        if (error is null)
        {
            _pageRefusals.TryRemove(pageId, out _);
        }
        else
        {
            _pageRefusals[pageId] = error;
        }
    }

    /// <summary>Every answer for <paramref name="pageId"/> carries this usage (percent) in <c>X-Business-Use-Case-Usage</c>.</summary>
    public void ReportPageUsage(string pageId, int percent) => _pageUsage[pageId] = percent;

    /// <summary>The clock of the recurring rules (48 hours per token, a week per request); tests share the host's fake clock.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>The user stopped notifications on <paramref name="token"/>: sends with it fail with 10/1893015.</summary>
    public void StopRecurringToken(string token) => _stoppedRecurringTokens[token] = 0;

    public void ResumeRecurringToken(string token) => _stoppedRecurringTokens.TryRemove(token, out _);

    /// <summary>Every send to <paramref name="token"/> fails with <paramref name="error"/> (551 for an unavailable user...).</summary>
    public void FailToken(string token, FakeError error) => _tokenErrors[token] = error;

    /// <summary>
    /// The next <paramref name="calls"/> calls are refused with 80006, each naming <paramref name="regainAccessIn"/> in
    /// <c>X-Business-Use-Case-Usage</c>: a Page throttled again and again, briefly each time.
    /// </summary>
    public void ThrottleNext(int calls, TimeSpan regainAccessIn)
    {
        _shortBlock = regainAccessIn;
        Volatile.Write(ref _shortBlocksLeft, calls);
    }

    /// <summary>The next calls fail with these errors, in order, whatever they send.</summary>
    public void FailNext(params FakeError[] errors)
    {
        foreach (var error in errors)
        {
            _nextErrors.Enqueue(error);
        }
    }

    /// <summary>The person <paramref name="appScopedUserId"/> is <paramref name="psid"/> on <paramref name="pageId"/> (for <c>ids_for_pages</c>).</summary>
    public void AddPageScopedId(string appScopedUserId, string pageId, string psid) =>
        _appUsers.AddOrUpdate(appScopedUserId, _ => [(pageId, psid)], (_, ids) => [.. ids, (pageId, psid)]);

    /// <summary>
    /// Once this many messages were delivered, every Page token is refused (190), as when an operator revokes it
    /// while a job runs; <see cref="RestorePageTokens"/> accepts them again.
    /// </summary>
    public void RevokePageTokensAfter(int deliveries) => Volatile.Write(ref _revokePageTokensAfter, deliveries);

    public void RestorePageTokens() => Volatile.Write(ref _revokePageTokensAfter, int.MaxValue);

    /// <summary>Marks a token used, as if an earlier call had redeemed it.</summary>
    public void UseToken(string token) => _usedTokens[token] = 0;

    public static async Task<FakeSendApiServer> StartAsync(FakeSendApiOptions options, string url = "http://127.0.0.1:0", Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        var app = builder.Build();
        var fake = new FakeSendApiServer(app, options);
        app.MapPost("/{version}/{pageId}/messages", fake.HandleAsync);
        app.MapGet("/{version}/{userId}/ids_for_pages", fake.IdsForPages);
        await app.StartAsync().ConfigureAwait(false);
        return fake;
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    private async Task<IResult> HandleAsync(string pageId, HttpContext context)
    {
        var arrived = DateTimeOffset.UtcNow;
        var result = await AnswerAsync(pageId, context, arrived).ConfigureAwait(false);
        var throttled = result is FakeAnswer { Error.IsThrottling: true };
        if (throttled)
        {
            Interlocked.Increment(ref _throttled);
        }
        _callLog.Enqueue(new FakeCall(pageId, arrived, throttled));
        return result;
    }

    private async Task<IResult> AnswerAsync(string pageId, HttpContext context, DateTimeOffset arrived)
    {
        var request = context.Request;
        Interlocked.Increment(ref _calls);
        _targets.Enqueue($"{request.Path}{request.QueryString}");
        if (_options.Latency > TimeSpan.Zero)
        {
            await Task.Delay(_options.Latency).ConfigureAwait(false);
        }
        var body = await request.ReadFromJsonAsync<JsonObject>().ConfigureAwait(false);
        var accessToken = request.Headers.Authorization.ToString().Replace("Bearer ", "", StringComparison.Ordinal);
        if (!_options.PageTokens.TryGetValue(pageId, out var expected) || expected != accessToken
            || _deliveries.Count >= Volatile.Read(ref _revokePageTokensAfter))
        {
            return Error(FakeError.BadPageToken);
        }
        if (_options.AppSecret is { } secret && body?["appsecret_proof"]?.GetValue<string>() != Proof(accessToken, secret))
        {
            return Error(FakeError.BadAppSecretProof);
        }
        if (BlockLeft(pageId, arrived) is { } left)
        {
            WriteUsage(context, pageId, 100, left);
            return Error(FakeError.MessengerLimit);
        }
        WriteUsage(context, pageId, _pageUsage.GetValueOrDefault(pageId), TimeSpan.Zero);
        if (IsOverRate(pageId))
        {
            return Error(FakeError.Throttled);
        }
        if (Interlocked.Decrement(ref _shortBlocksLeft) >= 0)
        {
            WriteUsage(context, pageId, 100, _shortBlock);
            return Error(FakeError.MessengerLimit);
        }
        if (_nextErrors.TryDequeue(out var injected))
        {
            return Error(injected);
        }
        if (_pageRefusals.TryGetValue(pageId, out var refusal))
        {
            return Error(refusal);
        }
        return Deliver(pageId, body);
    }

    /// <summary>
    /// Meta's ID-matching API: the app access token in the Authorization header, appsecret_proof of it, the user's
    /// Page-scoped IDs a page at a time with an <c>after</c> cursor; like Meta, <c>paging.next</c> carries the token.
    /// </summary>
    private IResult IdsForPages(string version, string userId, HttpRequest request)
    {
        Interlocked.Increment(ref _calls);
        _targets.Enqueue($"{request.Path}{request.QueryString}");
        var appToken = request.Headers.Authorization.ToString().Replace("Bearer ", "", StringComparison.Ordinal);
        if (_options.AppId is null || appToken != $"{_options.AppId}|{_options.AppSecret}")
        {
            return Error(FakeError.BadPageToken);
        }
        if (_options.AppSecret is { } secret && request.Query["appsecret_proof"] != Proof(appToken, secret))
        {
            return Error(FakeError.BadAppSecretProof);
        }
        if (_nextErrors.TryDequeue(out var injected))
        {
            return Error(injected);
        }
        var ids = _appUsers.TryGetValue(userId, out var found) ? found : [];
        var from = int.TryParse(request.Query["after"], CultureInfo.InvariantCulture, out var cursor) ? cursor : 0;
        var page = ids.Skip(from).Take(_options.IdsForPagesPageSize).ToList();
        var answer = new JsonObject
        {
            ["data"] = new JsonArray([.. page.Select(id => new JsonObject { ["id"] = id.Psid, ["page"] = new JsonObject { ["id"] = id.PageId, ["name"] = $"Page {id.PageId}" } })]),
        };
        var next = from + page.Count;
        if (page.Count > 0)
        {
            var after = next.ToString(CultureInfo.InvariantCulture);
            answer["paging"] = new JsonObject
            {
                ["cursors"] = new JsonObject { ["before"] = from.ToString(CultureInfo.InvariantCulture), ["after"] = after },
                ["next"] = next < ids.Count ? $"{request.Scheme}://{request.Host}/{version}/{userId}/ids_for_pages?access_token={Uri.EscapeDataString(appToken)}&after={after}" : null,
            };
        }
        return Results.Json(answer);
    }

    /// <summary>Time left of the Page's block, extended by this call; null when not blocked.</summary>
    private TimeSpan? BlockLeft(string pageId, DateTimeOffset now)
    {
        while (_blockedUntil.TryGetValue(pageId, out var until) && until > now)
        {
            var extended = until > now + _options.BlockExtension ? until : now + _options.BlockExtension;
            if (_blockedUntil.TryUpdate(pageId, extended, until))
            {
                return extended - now;
            }
        }
        return null;
    }

    private void WriteUsage(HttpContext context, string pageId, int pagePercent, TimeSpan regainAccessIn)
    {
        var headers = context.Response.Headers;
        if (AppUsagePercent is int app)
        {
            headers["X-App-Usage"] = new JsonObject { ["call_count"] = app, ["total_time"] = app, ["total_cputime"] = app }.ToJsonString();
        }
        var usage = new JsonObject
        {
            ["type"] = "messenger",
            ["call_count"] = pagePercent,
            ["total_cputime"] = pagePercent,
            ["total_time"] = pagePercent,
            ["estimated_time_to_regain_access"] = Math.Round(regainAccessIn.TotalMinutes, 4),
        };
        headers["X-Business-Use-Case-Usage"] = new JsonObject { [pageId] = new JsonArray(usage) }.ToJsonString();
    }

    private IResult Deliver(string pageId, JsonObject? body)
    {
        var token = StringAt(body?["recipient"], "one_time_notif_token");
        var recurringToken = StringAt(body?["recipient"], "notification_messages_token");
        var psid = StringAt(body?["recipient"], "id");
        if (body?["message"] is not JsonObject message || (token is null && recurringToken is null && psid is null))
        {
            return Error(new FakeError(400, 100, null, "(#100) Param recipient and message are required"));
        }
        if (TemplateError(pageId, psid, message) is { } templateError)
        {
            return Error(templateError);
        }
        if ((token ?? recurringToken) is { } anyToken && _tokenErrors.TryGetValue(anyToken, out var tokenError))
        {
            return Error(tokenError);
        }
        if (token is not null && !_usedTokens.TryAdd(token, 0))
        {
            return Error(FakeError.TokenUsed);
        }
        if (recurringToken is not null && RecurringError(recurringToken) is { } recurringError)
        {
            return Error(recurringError);
        }
        var messageId = $"m_{Guid.NewGuid():N}";
        _deliveries.Enqueue(new FakeDelivery(pageId, token, psid, (JsonObject)message.DeepClone(), messageId, Clock.GetUtcNow(), recurringToken));
        return Results.Json(new JsonObject { ["recipient_id"] = psid ?? "0", ["message_id"] = messageId });
    }

    /// <summary>A recurring token is reusable, but not while stopped, nor twice within the interval (and a refused call does not count).</summary>
    private FakeError? RecurringError(string token)
    {
        if (_stoppedRecurringTokens.ContainsKey(token))
        {
            return FakeError.RecurringStopped;
        }
        var now = Clock.GetUtcNow();
        lock (_recurringLastSent)
        {
            if (_recurringLastSent.TryGetValue(token, out var last) && now - last < _options.RecurringInterval)
            {
                return FakeError.RecurringTooSoon;
            }
            _recurringLastSent[token] = now;
            return null;
        }
    }

    private static string? StringAt(JsonNode? parent, string name) =>
        parent is JsonObject o && o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>The request templates as Meta checks them: a title of 1 to 65 characters and a non-empty payload; recurring ones also their image, button and weekly limit.</summary>
    private FakeError? TemplateError(string pageId, string? psid, JsonObject message)
    {
        var template = message["attachment"]?["payload"] as JsonObject;
        var type = StringAt(template, "template_type");
        if (template is null || type is not (OneTimeNotifTemplate or RecurringTemplate))
        {
            return null;
        }
        var title = StringAt(template, "title");
        if (title is null || new StringInfo(title).LengthInTextElements is 0 or > MaxTitleLength)
        {
            return new FakeError(400, 100, null, $"(#100) Param message[attachment][payload][title] must be a non-empty string of at most {MaxTitleLength} characters");
        }
        if (StringAt(template, "payload") is not { Length: > 0 })
        {
            return new FakeError(400, 100, null, "(#100) Param message[attachment][payload][payload] must be a non-empty string");
        }
        return type == RecurringTemplate ? RecurringTemplateError(pageId, psid, title, template) : null;
    }

    private FakeError? RecurringTemplateError(string pageId, string? psid, string title, JsonObject template)
    {
        if (template["image_url"] is not null
            && !(Uri.TryCreate(StringAt(template, "image_url"), UriKind.Absolute, out var image) && image.Scheme == Uri.UriSchemeHttps))
        {
            return new FakeError(400, 100, null, "(#100) Param message[attachment][payload][image_url] must be an https URL");
        }
        if (template["notification_messages_cta_text"] is not null && !CtaTexts.Contains(StringAt(template, "notification_messages_cta_text") ?? ""))
        {
            return new FakeError(400, 100, null, "(#100) Param message[attachment][payload][notification_messages_cta_text] is not one of the allowed values");
        }
        var now = Clock.GetUtcNow();
        var key = (pageId, psid ?? "", title);
        lock (_recurringRequests)
        {
            if (_recurringRequests.TryGetValue(key, out var last) && now - last < RecurringRequestInterval)
            {
                return FakeError.RepeatedRequest;
            }
            _recurringRequests[key] = now;
        }
        return null;
    }

    /// <summary>A sliding one-second window of calls per Page, like Meta's per-second limit.</summary>
    private bool IsOverRate(string pageId)
    {
        var limit = _options.PageLimits.TryGetValue(pageId, out var own) ? own : _options.MaxCallsPerSecondPerPage;
        if (limit <= 0)
        {
            return false;
        }
        var calls = _recentCalls.GetOrAdd(pageId, _ => new Queue<long>());
        var now = Environment.TickCount64;
        lock (calls)
        {
            while (calls.Count > 0 && now - calls.Peek() >= 1000)
            {
                calls.Dequeue();
            }
            calls.Enqueue(now);
            return calls.Count > limit;
        }
    }

    private static FakeAnswer Error(FakeError error) => new(error);

    /// <summary>An error answer that remembers which error it was, so the call log can tell throttling apart.</summary>
    private sealed class FakeAnswer(FakeError error) : IResult
    {
        public FakeError Error { get; } = error;

        public Task ExecuteAsync(HttpContext httpContext) =>
            Results.Json(Error.ToJson($"fake{Guid.NewGuid():N}"[..16]), statusCode: Error.HttpStatus).ExecuteAsync(httpContext);
    }

    private static string Proof(string accessToken, string appSecret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), Encoding.UTF8.GetBytes(accessToken)));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
