using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.Storage;
using OneTimeNotif.Tokens;
using OneTimeNotif.Webhook;

namespace OneTimeNotif;

public static class OneTimeNotifRegistration
{
    /// <summary>Everything OneTimeNotif needs; both hosts call this one registration.</summary>
    public static IServiceCollection AddOneTimeNotif(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<MessengerOptions>().Bind(configuration.GetSection(MessengerOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MessengerOptions>, MessengerOptionsValidator>();
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.SectionName))
            .Validate(o => o.MaxBodyBytes > 0, "Webhook__MaxBodyBytes must be positive.").ValidateOnStart();
        services.AddOtnStorage(configuration);

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TokenStore>();
        services.AddSingleton<WebhookSignature>();
        services.AddSingleton<WebhookVerification>();
        services.AddSingleton<WebhookReceiver>();
        return services;
    }

    /// <summary>The HTTP routes of both hosts, all under <c>/api</c> as Azure Functions puts them.</summary>
    public static IEndpointRouteBuilder MapOneTimeNotif(this IEndpointRouteBuilder routes)
    {
        routes.MapWebhook();
        return routes;
    }
}
