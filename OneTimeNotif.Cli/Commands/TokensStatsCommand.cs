using System.CommandLine;
using System.Globalization;
using OneTimeNotif.Tokens;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary>
/// <c>otn tokens stats</c>: live tokens per Page, payload and kind (OTN or recurring), how many expire soon, and for
/// recurring tokens how many are cooling down (sent within Meta's interval) or stopped by their users.
/// </summary>
internal static class TokensStatsCommand
{
    public static Command Create(CliContext cli)
    {
        var page = CommonOptions.Id("--page", "Only this Page", required: false);
        var within = new Option<int>("--within") { Description = "The \"expiring soon\" window in days", DefaultValueFactory = _ => 30, HelpName = "DAYS" };
        within.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 366) { r.AddError("--within must be 1 to 366 days."); } });
        var stats = new Command("stats",
            "Live tokens (unspent, unexpired) per Page, payload and kind (otn, recurring), the users they belong to, how many expire within --within days, " +
            "and of recurring tokens how many are cooling down (sent within Recurring__TokenInterval) or stopped by their users. " +
            "Reads storage directly (needs OtnStorage) and scans the whole tokens table, or one Page's partitions: an operator's tool, not for a hot path.")
        {
            page, within,
        };
        stats.SetAction(async (result, cancellationToken) =>
        {
            await ShowAsync(cli, result.GetValue(page), TimeSpan.FromDays(result.GetValue(within)), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return new Command("tokens", "Read the token store") { stats };
    }

    /// <summary>One row: a topic's tokens of one kind.</summary>
    internal sealed record TopicStats(string PageId, string Payload, TokenKind Kind, int Live, int Users, int ExpiringSoon, int CoolingDown, int Stopped);

    private static async Task ShowAsync(CliContext cli, string? pageId, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = cli.Time.GetUtcNow();
        await using var storage = StorageAccess.Open(cli);
        var interval = storage.RecurringInterval;
        var (topics, scanned) = await WithStatusAsync(cli, "Scanning the tokens table", async status =>
        {
            var kept = new Dictionary<(string PageId, string Payload, TokenKind Kind), List<TokenSummary>>();
            var rows = 0;
            await foreach (var token in storage.Tokens.ScanAsync(pageId, cancellationToken).ConfigureAwait(false))
            {
                if (++rows % 1000 == 0)
                {
                    status?.Status(string.Create(CultureInfo.InvariantCulture, $"Scanning the tokens table: {rows:N0} rows"));
                }
                if (token.IsLiveAt(now) || token.IsStoppedAt(now))
                {
                    var key = (token.PageId, token.Payload, token.Kind);
                    if (!kept.TryGetValue(key, out var tokens))
                    {
                        kept[key] = tokens = [];
                    }
                    tokens.Add(token);
                }
            }
            var topics = kept
                .Select(t => Stats(t.Key, t.Value, now, window, interval))
                .OrderBy(t => t.PageId, StringComparer.Ordinal).ThenBy(t => t.Payload, StringComparer.Ordinal).ThenBy(t => t.Kind)
                .ToList();
            return (topics, rows);
        }).ConfigureAwait(false);

        var scope = pageId is null ? "every Page" : $"Page {pageId}";
        cli.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Live tokens (unspent, unexpired) on {scope} at {now:u}; {scanned} token rows scanned.");
        if (topics.Count == 0)
        {
            cli.Out.WriteLine("No live tokens.");
            return;
        }
        cli.Out.Write(Table(topics, window));
        if (topics.Any(t => t.Kind == TokenKind.Recurring))
        {
            cli.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"OTN tokens are spent by one message. Recurring tokens are reused: cooling down = sent within the last {interval.TotalHours:0} hours (live, but not sendable yet); stopped = the user stopped them (kept, not live).");
        }
    }

    private static TopicStats Stats((string PageId, string Payload, TokenKind Kind) key, List<TokenSummary> tokens, DateTimeOffset now, TimeSpan window, TimeSpan interval)
    {
        var live = tokens.Where(t => t.IsLiveAt(now)).ToList();
        return new TopicStats(
            key.PageId,
            key.Payload,
            key.Kind,
            live.Count,
            live.Select(t => t.Psid).Distinct(StringComparer.Ordinal).Count(),
            live.Count(t => t.ExpiresAt <= now + window),
            live.Count(t => t.IsCoolingDownAt(now, interval)),
            tokens.Count(t => t.IsStoppedAt(now)));
    }

    private static Table Table(List<TopicStats> topics, TimeSpan window)
    {
        var days = window.TotalDays.ToString("0", CultureInfo.InvariantCulture);
        var table = new Table()
            .AddColumn("Page")
            .AddColumn("Payload")
            .AddColumn("Kind")
            .AddColumn(new TableColumn("Live tokens").RightAligned())
            .AddColumn(new TableColumn("Users").RightAligned())
            .AddColumn(new TableColumn($"Expire within {days} days").RightAligned())
            .AddColumn(new TableColumn("Cooling down").RightAligned())
            .AddColumn(new TableColumn("Stopped").RightAligned());
        foreach (var topic in topics)
        {
            table.AddRow(
                new Text(topic.PageId), new Text(topic.Payload), new Text(KindName(topic.Kind)), Number(topic.Live), Number(topic.Users),
                Number(topic.ExpiringSoon), Number(topic.CoolingDown), Number(topic.Stopped));
        }
        foreach (var kind in topics.GroupBy(t => t.Kind).OrderBy(g => g.Key))
        {
            table.AddRow(
                new Text("Total"), new Text(""), new Text(KindName(kind.Key)), Number(kind.Sum(t => t.Live)), new Text(""),
                Number(kind.Sum(t => t.ExpiringSoon)), Number(kind.Sum(t => t.CoolingDown)), Number(kind.Sum(t => t.Stopped)));
        }
        return table;
    }

    private static string KindName(TokenKind kind) => kind == TokenKind.Recurring ? "recurring" : "otn";

    /// <summary>A spinner on a terminal; nothing where output is a file or a pipe, which a status line would only clutter.</summary>
    private static Task<T> WithStatusAsync<T>(CliContext cli, string text, Func<StatusContext?, Task<T>> work) =>
        cli.Out.Profile.Capabilities.Interactive ? cli.Out.Status().StartAsync(text, ctx => work(ctx)) : work(null);

    private static Text Number(int value) => new(value.ToString(CultureInfo.InvariantCulture));
}
