using Azure.Core;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Azure.WebJobs.Host.Timers;
using Microsoft.Azure.WebJobs.Hosting;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Host.Triggers;

/// <summary>
/// Runs WebJobs SDK triggers inside an ASP.NET Core (or any generic) host, configured from the host.json layout:
/// <c>extensions:queues</c> and <c>functionTimeout</c> at the configuration root, where
/// <see cref="HostRegistration.AddHostJson"/> loads host.json and where <c>extensions__queues__*</c> environment
/// variables override it. This is the engine the Functions host uses for the same settings.
/// </summary>
public static class WebJobsTriggers
{
    public const string QueuesSection = "extensions:queues";
    public const string FunctionTimeoutSetting = "functionTimeout";

    /// <param name="functionClasses">
    /// The classes whose public methods carry trigger attributes; their instances come from the service provider.
    /// </param>
    public static IWebJobsBuilder AddWebJobsTriggers(this IServiceCollection services, IConfiguration configuration, params Type[] functionClasses)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var webJobs = services.AddWebJobs(_ => { });
        services.Replace(ServiceDescriptor.Singleton<ITypeLocator>(new FunctionClassLocator(functionClasses)));
        webJobs.AddAzureStorageQueues();
        services.ConfigureQueueClients();
        services.BindHostJson(configuration);
        services.Replace(ServiceDescriptor.Singleton<IWebJobsExceptionHandler, ListenerFailureHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JobHostService>());
        return webJobs;
    }

    /// <summary>
    /// The extension's queue client retries as the library's storage clients do (its default of five retries up to
    /// two minutes apart would hide an outage for minutes) and reports unreachable storage as an outage.
    /// </summary>
    private static void ConfigureQueueClients(this IServiceCollection services)
    {
        services.AddAzureClients(clients => clients.ConfigureDefaults(options =>
        {
            StorageRetry.Apply(options);
            options.AddPolicy(new UnreachableStoragePolicy(), HttpPipelinePosition.PerCall);
        }));
        services.Replace(ServiceDescriptor.Singleton(InertAzureLogForwarder.Create()));
    }

    private static void BindHostJson(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<QueuesOptions>()
            .Bind(configuration.GetSection(QueuesSection))
            .Validate(o => o.MessageEncoding == Azure.Storage.Queues.QueueMessageEncoding.None,
                "host.json extensions:queues:messageEncoding must be \"none\": follow-up jobs are plain UTF-8 JSON.")
            .ValidateOnStart();
        services.AddOptions<JobHostFunctionTimeoutOptions>().Configure(options =>
        {
            // As on Azure, an invocation that outlives functionTimeout is cancelled; here the host stays up and the
            // message is retried after its visibility timeout instead of the whole host being restarted.
            if (configuration.GetValue<TimeSpan?>(FunctionTimeoutSetting) is { } timeout)
            {
                options.Timeout = timeout;
                options.ThrowOnTimeout = false;
            }
        });
    }
}
