using System.CommandLine;
using OneTimeNotif.Configuration;

namespace OneTimeNotif.Cli;

/// <summary>
/// Options several commands share. New instances for every command line built: a System.CommandLine symbol
/// remembers its parents, so sharing one across parallel parses (the tests run many) would race.
/// </summary>
internal sealed class CommonOptions
{
    /// <summary>On the root and every subcommand: <c>otn followup status JOB --url http://...</c>.</summary>
    public Option<Uri?> Url { get; } = AbsoluteUrl("--url", $"The service's base URL (default: Otn__Url, else {CliSettings.DefaultUrl})", recursive: true);

    /// <summary>System.CommandLine has no parser of its own for <see cref="Uri"/>: this one takes absolute http(s) URLs.</summary>
    public static Option<Uri?> AbsoluteUrl(string name, string description, bool recursive = false) => new(name)
    {
        Description = description,
        HelpName = "URL",
        Recursive = recursive,
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
            {
                return url;
            }
            result.AddError($"{name} must be an absolute http(s) URL such as {CliSettings.DefaultUrl} (got '{text}').");
            return null;
        },
    };

    public static Option<string> Id(string name, string description, bool required = true)
    {
        var option = new Option<string>(name) { Description = description, Required = required, HelpName = "ID" };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value is not null && !MetaId.IsValid(value))
            {
                result.AddError($"{name} must be a Meta ID: digits only, at most {MetaId.MaxLength} (got '{value}').");
            }
        });
        return option;
    }

    public static Option<int> Seconds(string name, string description, int byDefault)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => byDefault, HelpName = "SECONDS" };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 86_400)
            {
                r.AddError($"{name} must be 1 to 86400 seconds.");
            }
        });
        return option;
    }

    public static Option<string> Page(string description = "The Page ID") => Id("--page", description);

    public static Option<string> Payload(string description) =>
        new("--payload") { Description = description, Required = true, HelpName = "TEXT" };
}
