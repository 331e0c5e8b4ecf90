using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary><c>otn tokens stats</c>: live tokens per Page and payload, and how many of them expire soon.</summary>
internal static class TokensStatsCommand
{
    public static Command Create(CliContext cli)
    {
        var page = CommonOptions.Id("--page", "Only this Page", required: false);
        var within = new Option<int>("--within") { Description = "The \"expiring soon\" window in days", DefaultValueFactory = _ => 30, HelpName = "DAYS" };
        within.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 366) { r.AddError("--within must be 1 to 366 days."); } });
        var stats = new Command("stats",
            "Live tokens (unspent, unexpired) per Page and payload, the users they belong to, and how many expire within --within days. " +
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

    internal sealed record TopicStats(string PageId, string Payload, int Live, int Users, int ExpiringSoon);

    private static async Task ShowAsync(CliContext cli, string? pageId, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = cli.Time.GetUtcNow();
        await using var storage = StorageAccess.Open(cli);
        var (topics, scanned) = await WithStatusAsync(cli, "Scanning the tokens table", async status =>
        {
            var live = new Dictionary<(string PageId, string Payload), List<Tokens.TokenSummary>>();
            var rows = 0;
            await foreach (var token in storage.Tokens.ScanAsync(pageId, cancellationToken).ConfigureAwait(false))
            {
                if (++rows % 1000 == 0)
                {
                    status?.Status(string.Create(CultureInfo.InvariantCulture, $"Scanning the tokens table: {rows:N0} rows"));
                }
                if (token.IsLiveAt(now))
                {
                    var key = (token.PageId, token.Payload);
                    if (!live.TryGetValue(key, out var tokens))
                    {
                        live[key] = tokens = [];
                    }
                    tokens.Add(token);
                }
            }
            var topics = live
                .Select(t => new TopicStats(t.Key.PageId, t.Key.Payload, t.Value.Count, t.Value.Select(v => v.Psid).Distinct(StringComparer.Ordinal).Count(), t.Value.Count(v => v.ExpiresAt <= now + window)))
                .OrderBy(t => t.PageId, StringComparer.Ordinal).ThenBy(t => t.Payload, StringComparer.Ordinal)
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
        var days = window.TotalDays.ToString("0", CultureInfo.InvariantCulture);
        var table = new Table()
            .AddColumn("Page")
            .AddColumn("Payload")
            .AddColumn(new TableColumn("Live tokens").RightAligned())
            .AddColumn(new TableColumn("Users").RightAligned())
            .AddColumn(new TableColumn($"Expire within {days} days").RightAligned());
        foreach (var topic in topics)
        {
            table.AddRow(new Text(topic.PageId), new Text(topic.Payload), Number(topic.Live), Number(topic.Users), Number(topic.ExpiringSoon));
        }
        table.AddRow(new Text("Total"), new Text(""), Number(topics.Sum(t => t.Live)), new Text(""), Number(topics.Sum(t => t.ExpiringSoon)));
        cli.Out.Write(table);
    }

    /// <summary>A spinner on a terminal; nothing where output is a file or a pipe, which a status line would only clutter.</summary>
    private static Task<T> WithStatusAsync<T>(CliContext cli, string text, Func<StatusContext?, Task<T>> work) =>
        cli.Out.Profile.Capabilities.Interactive ? cli.Out.Status().StartAsync(text, ctx => work(ctx)) : work(null);

    private static Text Number(int value) => new(value.ToString(CultureInfo.InvariantCulture));
}
