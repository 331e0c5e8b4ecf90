using System.Text.RegularExpressions;

namespace OneTimeNotif.OptInRequests;

/// <summary>
/// Finds what Meta forbids in an OTN payload: e-mail addresses, phone numbers, card numbers and values the caller
/// marks sensitive. The patterns are documented in docs/optin-requests.md; a bare run of digits is taken for an ID
/// unless it looks like a card number, because payloads routinely carry product and order numbers.
/// </summary>
public static partial class ForbiddenPayloadContent
{
    /// <returns>What was found, described without repeating it ("an e-mail address"); null when nothing was.</returns>
    public static string? Find(string payload, IReadOnlyList<string> sensitiveValues)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(sensitiveValues);
        if (sensitiveValues.Any(v => payload.Contains(v, StringComparison.OrdinalIgnoreCase)))
        {
            return "a value marked sensitive";
        }
        if (Email().IsMatch(payload))
        {
            return "an e-mail address";
        }
        if (CardCandidate().Matches(payload).Any(m => PassesLuhn(Digits(m.Value))))
        {
            return "a card number";
        }
        if (InternationalPhone().IsMatch(payload) || NationalPhone().IsMatch(payload) || NorthAmericanPhone().IsMatch(payload))
        {
            return "a phone number";
        }
        return null;
    }

    /// <summary>The Luhn checksum every payment card number satisfies.</summary>
    public static bool PassesLuhn(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var digit = digits[^(i + 1)] - '0';
            if (i % 2 == 1)
            {
                digit *= 2;
                digit = digit > 9 ? digit - 9 : digit;
            }
            sum += digit;
        }
        return digits.Length > 0 && sum % 10 == 0;
    }

    private static string Digits(string text) => string.Concat(text.Where(char.IsAsciiDigit));

    [GeneratedRegex(@"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}")]
    private static partial Regex Email();

    /// <summary>
    /// A payment card's digits as cards print them: 13 to 19 in one run, or 4-4-4-4(-3) or 4-6-4(5) groups joined by
    /// one kind of separator, starting with 2 to 6 (the payment industries' first digit). Dates, times and
    /// timestamps ("20261123-093000", epoch milliseconds starting with 1) are neither shaped nor numbered like that.
    /// </summary>
    [GeneratedRegex(@"(?<!\d)[2-6](?:\d{12,18}|\d{3}([ \-])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{3}([ \-])\d{6}\2\d{4,5})(?!\d)")]
    private static partial Regex CardCandidate();

    /// <summary>"+" and 8 to 15 digits (E.164), which may be grouped by spaces, dots, dashes or parentheses.</summary>
    [GeneratedRegex(@"(?<![\d+])\+\(?\d(?:[ .\-()]{0,2}\d){7,14}(?!\d)")]
    private static partial Regex InternationalPhone();

    /// <summary>
    /// A national number with its trunk prefix: "0", a non-zero digit, 9 to 11 digits in all ("06 12 34 56 78"). Not
    /// when glued by a dash or dot to what comes before: that is one part of a compound ID ("BATCH-20261123-093000-3412").
    /// </summary>
    [GeneratedRegex(@"(?<![\w+\-.])0[1-9](?:[ .\-]?\d){7,9}(?!\d)")]
    private static partial Regex NationalPhone();

    /// <summary>The North American layout, 3-3-4 digits with separators: "(555) 123-4567", "555.123.4567".</summary>
    [GeneratedRegex(@"(?<![\w+\-.])(?:\(\d{3}\) ?|\d{3}[ .\-])\d{3}[ .\-]\d{4}(?!\d)")]
    private static partial Regex NorthAmericanPhone();
}
