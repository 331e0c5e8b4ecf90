using OneTimeNotif.FollowUps;
using OneTimeNotif.Http;
using OneTimeNotif.Host.Security;
using OneTimeNotif.OptInRequests;
using OneTimeNotif.Privacy;
using OneTimeNotif.Webhook;

namespace OneTimeNotif.Host;

/// <summary>The standalone host, built one way for <c>dotnet run</c>, containers and the integration tests.</summary>
public static class StandaloneHost
{
    /// <param name="configure">Runs after every registration: tests use it to add settings and swap the clock.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddHostJson();
        builder.Logging.KeepRequestUrlsOutOfLogs();
        builder.Services.AddProblemDetails();
        builder.Services.AddOneTimeNotif(builder.Configuration);
        builder.Services.AddStandaloneHost(builder.Configuration);
        configure?.Invoke(builder);

        var app = builder.Build();
        // Meta cannot send a key: the webhook is anonymous and guarded by its signature. Everything else needs the key.
        app.MapWebhook();
        app.MapFollowUps().AddEndpointFilter<ApiKeyFilter>();
        app.MapOptInRequests().AddEndpointFilter<ApiKeyFilter>();
        app.MapUsers().AddEndpointFilter<ApiKeyFilter>();
        return app;
    }
}
