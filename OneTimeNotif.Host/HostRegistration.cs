using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using OneTimeNotif.Purge;
using OneTimeNotif.Storage;
using OneTimeNotif.Host.Scheduling;
using OneTimeNotif.Host.Security;
using OneTimeNotif.Host.Triggers;

namespace OneTimeNotif.Host;

internal static class HostRegistration
{
    /// <summary>
    /// host.json is read first, so environment variables and the command line (<c>extensions__queues__batchSize</c>)
    /// still override it, as app settings do on Azure.
    /// </summary>
    public static void AddHostJson(this ConfigurationManager configuration) =>
        configuration.Sources.Insert(0, new JsonConfigurationSource
        {
            Path = "host.json",
            Optional = false,
            FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
        });

    /// <summary>What Azure Functions provides around the library: API keys, the queue trigger and the purge timer.</summary>
    public static IServiceCollection AddStandaloneHost(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiKeyOptions>().Bind(configuration.GetSection(ApiKeyOptions.SectionName))
            .Validate(o => o.Key.Length >= 16, "Api__Key is required (at least 16 characters): the key services send in x-functions-key.")
            .ValidateOnStart();
        services.AddSingleton<ApiKeyFilter>();
        services.AddWebJobsTriggers(configuration, typeof(FollowUpQueueTrigger));
        services.AddPurgeScheduler(configuration);
        services.AddServerLimits(configuration);
        return services;
    }

    /// <summary>Kestrel reads its limits from these options, so a slow sender is ended however the host was configured.</summary>
    private static void AddServerLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ServerLimitsOptions>().Bind(configuration.GetSection(ServerLimitsOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServerLimitsOptions>, ServerLimitsValidator>();
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<ServerLimitsOptions>>((kestrel, limits) => limits.Value.ApplyTo(kestrel.Limits));
    }

    private static void AddPurgeScheduler(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PurgeScheduleOptions>()
            .Configure(o => o.Expression = configuration[PurgeOptions.ScheduleSetting] ?? o.Expression)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PurgeScheduleOptions>, PurgeScheduleOptionsValidator>();
        services.AddSingleton<IValidateOptions<StorageOptions>, BlobStorageValidator>();
        // The blob lease expires on the storage service's clock: renew it on the wall clock, never on the business
        // clock that the tests move by hand.
        services.AddSingleton(provider => new PurgeLock(provider.GetRequiredService<Azure.Storage.Blobs.BlobServiceClient>(), TimeProvider.System));
        services.AddHostedService<PurgeScheduler>();
    }
}
