using Microsoft.Extensions.Configuration;

namespace OneTimeNotif.FakeSendApi;

/// <summary>
/// Runs the fake on its own for local runs: <c>--urls http://127.0.0.1:7072</c>, Pages from
/// <c>FakeSendApi__PageTokens__&lt;PAGE_ID&gt;</c>, the App Secret from <c>Messenger__AppSecret</c>.
/// </summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var options = configuration.GetSection("FakeSendApi").Get<FakeSendApiOptions>() ?? new FakeSendApiOptions();
        options.AppSecret ??= configuration["Messenger:AppSecret"];
        options.AppId ??= configuration["Messenger:AppId"];
        await using var fake = await FakeSendApiServer.StartAsync(options, configuration["urls"] ?? "http://127.0.0.1:7072");
        Console.WriteLine($"Fake Send API on {fake.BaseUrl} for Pages {string.Join(", ", options.PageTokens.Keys)}");
        await fake.WaitForShutdownAsync();
    }
}
