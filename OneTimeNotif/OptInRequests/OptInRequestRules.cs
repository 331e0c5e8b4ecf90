using System.Globalization;
using System.Text.RegularExpressions;
using OneTimeNotif.Configuration;
using OneTimeNotif.Tokens;

namespace OneTimeNotif.OptInRequests;

/// <summary>What a request (OTN or recurring) must be before it is sent to Meta; every problem found is reported at once.</summary>
public static partial class OptInRequestRules
{
    /// <summary>The button texts Meta offers on the recurring request card (<c>notification_messages_cta_text</c>).</summary>
    public static readonly IReadOnlyList<string> CtaTexts = ["ALLOW", "GET", "GET_UPDATES", "OPT_IN", "SIGN_UP"];

    /// <summary>Meta's limit on the title of the "Notify me" card.</summary>
    public const int MaxTitleLength = 65;

    /// <summary>
    /// Meta documents no limit on the OTN payload; this is the 1,000-character limit it sets on postback payloads,
    /// counted in UTF-16 code units (what .NET and JavaScript call a string's length). It keeps a payload well
    /// inside a follow-up job message (64 KB) and a Table Storage property.
    /// </summary>
    public const int MaxPayloadLength = 1000;

    /// <returns>The problems, in words a caller can act on; empty when the request may be sent.</returns>
    public static List<string> Check(OptInRequest request, IReadOnlyCollection<string> servedPages)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(servedPages);
        var problems = new List<string>();
        if (!MetaId.IsValid(request.PageId))
        {
            problems.Add("pageId must be a Page ID (a decimal number).");
        }
        else if (!servedPages.Contains(request.PageId))
        {
            problems.Add($"Page {request.PageId} is not served here (no Messenger__Pages__{request.PageId}__AccessToken).");
        }
        if (!MetaId.IsValid(request.Psid))
        {
            problems.Add("psid must be a PSID (a decimal number).");
        }
        problems.AddRange(TitleProblems(request.Title));
        problems.AddRange(PayloadProblems(request.Payload, request.SensitiveValues));
        if (request.Kind == TokenKind.Recurring)
        {
            problems.AddRange(RecurringProblems(request));
        }
        return problems;
    }

    /// <summary>
    /// An IANA zone name (<c>Asia/Tokyo</c>, <c>UTC</c>) that this machine's time zone database knows. The shape is
    /// checked first, so a Windows name ("Tokyo Standard Time") or a path is refused everywhere alike. The lookup
    /// works under InvariantGlobalization: on Linux .NET reads the IANA database (tzdata) itself, without ICU.
    /// </summary>
    public static bool IsIanaTimeZone(string timezone)
    {
        ArgumentNullException.ThrowIfNull(timezone);
        return IanaZoneName().IsMatch(timezone) && TimeZoneInfo.TryFindSystemTimeZoneById(timezone, out _);
    }

    private static IEnumerable<string> RecurringProblems(OptInRequest request)
    {
        if (request.CtaText is { } cta && !CtaTexts.Contains(cta, StringComparer.Ordinal))
        {
            yield return $"ctaText must be one of {string.Join(", ", CtaTexts)}.";
        }
        if (request.Timezone is { } zone && !IsIanaTimeZone(zone))
        {
            yield return "timezone must be an IANA time zone such as Europe/Paris or Asia/Tokyo.";
        }
    }

    /// <summary>Area/Location names: letters, digits, '_', '-', '+', at most three parts, 64 characters.</summary>
    [GeneratedRegex(@"^(?=.{1,64}$)[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}$")]
    private static partial Regex IanaZoneName();

    /// <summary>
    /// The number of characters a user sees: extended grapheme clusters (Unicode UAX #29), so "é" written as e plus
    /// a combining accent, a flag, or a family emoji made of several code points each count as one.
    /// </summary>
    public static int VisibleLength(string text) => new StringInfo(text).LengthInTextElements;

    private static IEnumerable<string> TitleProblems(string title)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            yield return "title must not be empty.";
        }
        else if (VisibleLength(title) is var length and > MaxTitleLength)
        {
            yield return $"title is {length} characters long; Meta allows at most {MaxTitleLength} (counted as users see them).";
        }
    }

    private static IEnumerable<string> PayloadProblems(string payload, IReadOnlyList<string> sensitiveValues)
    {
        if (string.IsNullOrWhiteSpace(payload))
        {
            yield return "payload must not be empty.";
            yield break;
        }
        if (payload.Length > MaxPayloadLength)
        {
            yield return $"payload is {payload.Length} characters long; at most {MaxPayloadLength} are accepted.";
        }
        if (sensitiveValues.Any(string.IsNullOrWhiteSpace))
        {
            yield return "sensitiveValues must not contain empty values.";
        }
        else if (ForbiddenPayloadContent.Find(payload, sensitiveValues) is { } found)
        {
            yield return $"payload carries {found}; Meta forbids personal, financial and sensitive data in an OTN payload. Put a reference to it instead.";
        }
    }
}
