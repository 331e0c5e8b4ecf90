using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace OneTimeNotif.Configuration;

/// <summary>
/// Fails start-up with the names operators actually type (<c>Messenger__AppSecret</c>), because a host that starts
/// without its App Secret would answer every webhook with 401 and Meta would disable the subscription within an hour.
/// </summary>
internal sealed partial class MessengerOptionsValidator : IValidateOptions<MessengerOptions>
{
    public ValidateOptionsResult Validate(string? name, MessengerOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.AppSecret))
        {
            failures.Add(Missing("AppSecret", "the Meta App Secret that signs webhooks"));
        }
        if (string.IsNullOrWhiteSpace(options.VerifyToken))
        {
            failures.Add(Missing("VerifyToken", "the verify token entered in Meta's webhook settings"));
        }
        if (options.AppId is { Length: > 0 } appId && !MetaId.IsValid(appId))
        {
            failures.Add("Messenger__AppId must be the Meta app's ID, a decimal number.");
        }
        if (!GraphVersion().IsMatch(options.GraphApiVersion ?? ""))
        {
            failures.Add("Messenger__GraphApiVersion must be a Graph API version such as v21.0.");
        }
        if (options.GraphBaseUrl is not { IsAbsoluteUri: true })
        {
            failures.Add("Messenger__GraphBaseUrl must be an absolute URL.");
        }
        foreach (var (pageId, page) in options.Pages)
        {
            if (!MetaId.IsValid(pageId))
            {
                failures.Add($"Messenger__Pages__{pageId}: a Page ID is a decimal number.");
            }
            else if (string.IsNullOrWhiteSpace(page.AccessToken))
            {
                failures.Add(Missing($"Pages__{pageId}__AccessToken", "the Page access token"));
            }
            if (page.MessagesPerSecond is < 1 or > SendApi.SendApiOptions.MetaMaxMessagesPerSecond)
            {
                failures.Add($"Messenger__Pages__{pageId}__MessagesPerSecond must be 1 to {SendApi.SendApiOptions.MetaMaxMessagesPerSecond} (Meta's limit for text).");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Missing(string key, string meaning) =>
        $"Messenger__{key} is required ({meaning}); set it as an environment variable or in configuration as Messenger:{key.Replace("__", ":", StringComparison.Ordinal)}.";

    [GeneratedRegex(@"^v\d+\.\d+$")]
    private static partial Regex GraphVersion();
}
