using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace OneTimeNotif.Cli.Commands;

/// <summary>
/// <c>otn purge --dry-run</c>: what a purge would delete, read from the expiry indexes the same way the purge reads
/// them: expired tokens of both kinds, and recurring tokens stopped for longer than <c>Purge__StoppedTokenRetention</c>.
/// The purge itself runs in the service, on its schedule; this command deletes nothing.
/// </summary>
internal static class PurgeCommand
{
    public static Command Create(CliContext cli)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Required: report what the purge would delete, deleting nothing" };
        var page = CommonOptions.Id("--page", "Only this Page's tokens", required: false);
        var payload = new Option<string?>("--payload") { Description = "Only this payload's tokens", HelpName = "TEXT" };
        var at = new Option<DateTimeOffset?>("--at") { Description = "Preview a purge at this time (ISO 8601; default now), such as the next scheduled run", HelpName = "TIME" };
        var purge = new Command("purge",
            "What the purge of expired tokens would delete, per Page and payload: the expiry index (OtnTokenExpiries) rows of past days and " +
            "today's rows already expired, and the token rows they point to; recurring tokens past a real expiry, or stopped for longer than " +
            "Purge__StoppedTokenRetention. Reads storage directly (needs OtnStorage).")
        {
            dryRun, page, payload, at,
        };
        purge.Validators.Add(r =>
        {
            if (!r.GetValue(dryRun))
            {
                r.AddError("otn purge only previews: add --dry-run. The service itself purges, on its PurgeSchedule.");
            }
        });
        purge.SetAction(async (result, cancellationToken) =>
        {
            var preview = await PreviewAsync(cli, result.GetValue(at) ?? cli.Time.GetUtcNow(), result.GetValue(page), result.GetValue(payload), cancellationToken).ConfigureAwait(false);
            Render(cli, preview);
            return ExitCodes.Ok;
        });
        return purge;
    }

    internal sealed record TopicExpiry(string PageId, string Payload, int Tokens, int NeverUsed);

    /// <param name="GoneTokens">Expired index rows whose token no longer exists: the purge would remove just the row.
    /// Counted only without a Page or payload filter, since such a row cannot say whose token it was.</param>
    /// <param name="StoppedTokens">Recurring tokens stopped for longer than the retention, deleted although they have not expired.</param>
    internal sealed record PurgePreview(DateTimeOffset At, string Scope, IReadOnlyList<TopicExpiry> Topics, int GoneTokens, int StoppedTokens = 0, DateTimeOffset StoppedBefore = default)
    {
        public int Tokens => Topics.Sum(t => t.Tokens);
    }

    public static async Task<PurgePreview> PreviewAsync(CliContext cli, DateTimeOffset at, string? pageId, string? payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cli);
        await using var storage = StorageAccess.Open(cli);
        var topics = new Dictionary<(string PageId, string Payload), (int Tokens, int NeverUsed)>();
        bool InScope(Tokens.TokenSummary token) => (pageId is null || token.PageId == pageId) && (payload is null || token.Payload == payload);
        void Count(Tokens.TokenSummary token)
        {
            var (tokens, neverUsed) = topics.GetValueOrDefault((token.PageId, token.Payload));
            topics[(token.PageId, token.Payload)] = (tokens + 1, neverUsed + (token.SpentAt is null && token.LastSentAt is null ? 1 : 0));
        }
        var gone = 0;
        await foreach (var expired in storage.Tokens.FindExpiredAsync(at, cancellationToken).ConfigureAwait(false))
        {
            if (expired.Token is not { } token)
            {
                gone += pageId is null && payload is null ? 1 : 0;
            }
            else if (InScope(token))
            {
                Count(token);
            }
        }
        var stoppedBefore = at - storage.StoppedTokenRetention;
        var stopped = 0;
        await foreach (var due in storage.Tokens.FindDueRecurringAsync(at, stoppedBefore, cancellationToken).ConfigureAwait(false))
        {
            if (!InScope(due.Token))
            {
                continue;
            }
            if (due.Stopped)
            {
                stopped++;
            }
            else
            {
                Count(due.Token);
            }
        }
        var scope = string.Join(", ", new[] { pageId is null ? null : $"Page {pageId}", payload is null ? null : $"payload {payload}" }.OfType<string>());
        var list = topics
            .Select(t => new TopicExpiry(t.Key.PageId, t.Key.Payload, t.Value.Tokens, t.Value.NeverUsed))
            .OrderBy(t => t.PageId, StringComparer.Ordinal).ThenBy(t => t.Payload, StringComparer.Ordinal)
            .ToList();
        return new PurgePreview(at, scope.Length == 0 ? "every Page" : scope, list, gone, stopped, stoppedBefore);
    }

    public static void Render(CliContext cli, PurgePreview preview)
    {
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(preview);
        cli.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Dry run: a purge at {preview.At:u} would delete {preview.Tokens} expired token{(preview.Tokens == 1 ? "" : "s")} ({preview.Scope}); nothing was deleted.");
        if (preview.Topics.Count > 0)
        {
            var table = new Table()
                .AddColumn("Page")
                .AddColumn("Payload")
                .AddColumn(new TableColumn("Expired tokens").RightAligned())
                .AddColumn(new TableColumn("Never used").RightAligned());
            foreach (var topic in preview.Topics)
            {
                table.AddRow(new Text(topic.PageId), new Text(topic.Payload), Number(topic.Tokens), Number(topic.NeverUsed));
            }
            cli.Out.Write(table);
        }
        if (preview.StoppedTokens > 0)
        {
            cli.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"It would also delete {preview.StoppedTokens} recurring token(s) their users stopped before {preview.StoppedBefore:u} (Purge__StoppedTokenRetention).");
        }
        if (preview.GoneTokens > 0)
        {
            cli.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"It would also remove {preview.GoneTokens} index row(s) whose token is already gone.");
        }
    }

    private static Text Number(int value) => new(value.ToString(CultureInfo.InvariantCulture));
}
