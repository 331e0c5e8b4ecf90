using System.Globalization;

namespace OneTimeNotif.Storage;

/// <summary>
/// The partition key of the by-day indexes (token expiries, follow-up job days): the UTC day as <c>yyyyMMdd</c>,
/// which sorts as the days do, so "every day up to D" is one range.
/// </summary>
internal static class DayPartition
{
    public const string Format = "yyyyMMdd";

    /// <summary>The length of a day partition key, and of the day at the start of a sharded one.</summary>
    public const int Length = 8;

    public static string Of(DateTimeOffset instant) => instant.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);
}
