using System.Globalization;
using System.Text.Encodings.Web;

namespace OneTimeNotif.Privacy;

/// <summary>The status page of a data-deletion request: a few lines a person can read, every value HTML-encoded.</summary>
internal static class DataDeletionPage
{
    public static string For(DataDeletionEntity request)
    {
        var lines = new List<string>
        {
            $"Confirmation code: {request.PartitionKey}",
            $"Received: {Time(request.ReceivedAt)}",
        };
        if (request.State == DataDeletionState.Done)
        {
            lines.Add($"Status: done, {Time(request.CompletedAt!.Value)}");
            lines.Add(request.Users == 0
                ? "No data about you was stored by this service."
                : $"Erased: {request.Tokens} notification request(s), {request.Deliveries} delivery record(s), {request.Jobs} message job(s).");
        }
        else
        {
            lines.Add("Status: pending. Your data is being deleted; this page will say when it is done.");
        }
        return Page("Data deletion request", lines);
    }

    public static string NotFound(string code) =>
        Page("Data deletion request", [$"No data deletion request has the confirmation code {code}."]);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Page(string title, IEnumerable<string> lines)
    {
        var html = HtmlEncoder.Default;
        var body = string.Concat(lines.Select(l => $"<p>{html.Encode(l)}</p>"));
        return $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.Encode(title)}</title></head><body><h1>{html.Encode(title)}</h1>{body}</body></html>";
    }
}
