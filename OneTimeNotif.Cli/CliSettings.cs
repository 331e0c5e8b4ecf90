using Microsoft.Extensions.Configuration;
using OneTimeNotif.Configuration;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Cli;

/// <summary>
/// The CLI's settings, under the same keys as the hosts (environment variables with <c>__</c>), plus
/// <c>Otn__Url</c>, the service's base URL. A missing one is named in the error, with where to set it.
/// </summary>
internal sealed class CliSettings(IConfiguration configuration)
{
    public const string UrlKey = "Otn:Url";
    public static readonly Uri DefaultUrl = new("http://127.0.0.1:7071");

    /// <summary><paramref name="url"/> (the <c>--url</c> option) when given, else <c>Otn__Url</c>, else the local run's address.</summary>
    public Uri ServiceUrl(Uri? url)
    {
        if (url is not null)
        {
            return Absolute(url, "--url");
        }
        var configured = configuration[UrlKey];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return DefaultUrl;
        }
        return Uri.TryCreate(configured, UriKind.Absolute, out var parsed)
            ? Absolute(parsed, EnvironmentName(UrlKey))
            : throw new CommandException($"{EnvironmentName(UrlKey)} is not an absolute URL such as {DefaultUrl}.");
    }

    public string AppSecret => Required($"{MessengerOptions.SectionName}:{nameof(MessengerOptions.AppSecret)}", "the App Secret, which signs the simulated webhooks");

    public string ApiKey => Required("Api:Key", "the key the service expects in x-functions-key");

    /// <summary>The Pages configured with an access token, as the hosts read them.</summary>
    public IReadOnlyList<string> Pages =>
        [.. configuration.GetSection($"{MessengerOptions.SectionName}:{nameof(MessengerOptions.Pages)}").GetChildren().Select(c => c.Key).Order(StringComparer.Ordinal)];

    /// <summary>Whether storage is configured in either form the hosts accept.</summary>
    public bool HasStorage
    {
        get
        {
            var section = configuration.GetSection(StorageOptions.SectionName);
            return !string.IsNullOrWhiteSpace(section.Value) || section.GetChildren().Any();
        }
    }

    /// <summary><c>Messenger:AppSecret</c> as an operator types it: <c>Messenger__AppSecret</c>.</summary>
    public static string EnvironmentName(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    private string Required(string key, string meaning)
    {
        var value = configuration[key];
        return string.IsNullOrEmpty(value)
            ? throw new CommandException($"{EnvironmentName(key)} is not set ({meaning}); scripts/local-settings.sh exports the local value.")
            : value;
    }

    private static Uri Absolute(Uri url, string name) =>
        url is { IsAbsoluteUri: true } && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new CommandException($"{name} must be an absolute http(s) URL such as {DefaultUrl}.");
}
