using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OneTimeNotif.Configuration;
using OneTimeNotif.FollowUps;
using OneTimeNotif.OptInRequests;
using OneTimeNotif.Privacy;
using OneTimeNotif.Purge;
using OneTimeNotif.SendApi;
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
            .Validate(o => o.MaxBodyBytes > 0, "Webhook__MaxBodyBytes must be positive.")
            .Validate(o => o.BodyTimeout > TimeSpan.Zero, "Webhook__BodyTimeout must be positive.").ValidateOnStart();
        services.AddOtnStorage(configuration);
        services.AddOptions<RecurringOptions>().Bind(configuration.GetSection(RecurringOptions.SectionName))
            .Validate(o => o.TokenInterval >= RecurringOptions.MinTokenInterval && o.TokenInterval <= RecurringOptions.MaxTokenInterval,
                $"Recurring__TokenInterval must be between {RecurringOptions.MinTokenInterval} and {RecurringOptions.MaxTokenInterval} (Meta's rule is 48 hours).")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddPrivacy(configuration);
        services.AddSingleton<TokenStore>();
        services.AddSingleton<WebhookSignature>();
        services.AddSingleton<WebhookVerification>();
        services.AddSingleton<WebhookReceiver>();
        services.AddSendApi(configuration);
        services.AddFollowUps(configuration);
        services.AddPurge(configuration);
        services.AddSingleton<OptInRequestSender>();
        return services;
    }

    private static void AddPrivacy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PrivacyOptions>().Bind(configuration.GetSection(PrivacyOptions.SectionName))
            .Validate(o => o.PublicBaseUrl is null or { IsAbsoluteUri: true }, "Privacy__PublicBaseUrl must be an absolute URL.")
            .Validate(o => o.RetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.RetryDelay, "Privacy__RetryDelay must be positive and at most Privacy__MaxRetryDelay.")
            .ValidateOnStart();
        services.AddSingleton<UserKey>();
        services.AddSingleton<UserIndex>();
        services.AddSingleton<UserEraser>();
        services.AddSingleton<DataDeletionRequests>();
        services.AddSingleton<DataDeletionQueueClient>();
        services.AddSingleton<DataDeletionProcessor>();
        services.AddHttpClient<IdsForPagesClient>((provider, http) =>
            http.Timeout = provider.GetRequiredService<IOptions<SendApiOptions>>().Value.Timeout);
    }

    private static void AddSendApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SendApiOptions>().Bind(configuration.GetSection(SendApiOptions.SectionName))
            .Validate(o => o.MessagesPerSecondPerPage is >= 1 and <= SendApiOptions.MetaMaxMessagesPerSecond,
                $"SendApi__MessagesPerSecondPerPage must be 1 to {SendApiOptions.MetaMaxMessagesPerSecond} (Meta's limit for text); 40 keeps the Page Inbox working.")
            .Validate(o => o.MaxBudgetWait > TimeSpan.Zero && o.ThrottlePause > TimeSpan.Zero && o.AppThrottlePause > TimeSpan.Zero,
                "SendApi__MaxBudgetWait, SendApi__ThrottlePause and SendApi__AppThrottlePause must be positive.")
            .Validate(o => o.UsageLimitPercent is > 0 and <= 100, "SendApi__UsageLimitPercent must be 1 to 100.")
            .ValidateOnStart();
        // The budget runs on Meta's wall clock, never the business clock that the tests move by hand.
        services.AddSingleton(provider => ActivatorUtilities.CreateInstance<SendBudget>(provider, TimeProvider.System));
        services.AddSingleton<SendApiWarmUp>();
        // Retries are the follow-up's business (they must reuse the bound token and honour throttling), so the
        // client itself only gets a timeout.
        services.AddHttpClient<SendApiClient>((provider, http) =>
            http.Timeout = provider.GetRequiredService<IOptions<SendApiOptions>>().Value.Timeout);
    }

    private static void AddFollowUps(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FollowUpOptions>()
            // The queue host's own setting (host.json, or its app-setting override on Azure), so the two never disagree.
            .Configure(o => o.MaxDequeueCount = configuration.GetValue<int?>("AzureFunctionsJobHost:extensions:queues:maxDequeueCount")
                ?? configuration.GetValue<int?>("extensions:queues:maxDequeueCount")
                ?? o.MaxDequeueCount)
            .Configure(o => o.QueuePollingInterval = configuration.GetValue<TimeSpan?>("AzureFunctionsJobHost:extensions:queues:maxPollingInterval")
                ?? configuration.GetValue<TimeSpan?>("extensions:queues:maxPollingInterval")
                ?? o.QueuePollingInterval)
            .Bind(configuration.GetSection(FollowUpOptions.SectionName))
            .Validate(o => o.SegmentSize is > 0 and <= 1000, "FollowUps__SegmentSize must be between 1 and 1000 (a Table Storage page).")
            .Validate(o => o.SendConcurrency > 0, "FollowUps__SendConcurrency must be positive.")
            .Validate(o => o.MaxDequeueCount > 0, "extensions:queues:maxDequeueCount must be positive.")
            .Validate(o => o.TimeBudget > TimeSpan.Zero && o.TimeBudget <= TimeSpan.FromDays(30), "FollowUps__TimeBudget must be positive and at most 30 days.")
            .Validate(o => o.MaxDeferralWait > TimeSpan.Zero && o.MaxDeferralWait <= TimeSpan.FromDays(1), "FollowUps__MaxDeferralWait must be positive and at most a day.")
            .ValidateOnStart();
        services.AddSingleton<FollowUpQueueClient>();
        services.AddSingleton<FollowUpJobStore>();
        // The gate measures how fresh a read is against real elapsed time, never the business clock tests move.
        services.AddSingleton(provider => new JobStateGate(provider.GetRequiredService<FollowUpJobStore>(), TimeProvider.System));
        services.AddSingleton<FollowUpDelivery>();
        services.AddSingleton<FollowUpProcessor>();
        services.AddSingleton<FollowUpCancellation>();
    }

    private static void AddPurge(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PurgeOptions>().Bind(configuration.GetSection(PurgeOptions.SectionName))
            .Validate(o => o.DeliveryRetention >= PurgeOptions.MinDeliveryRetention && o.DeliveryRetention <= PurgeOptions.MaxDeliveryRetention,
                $"Purge__DeliveryRetention must be between {PurgeOptions.MinDeliveryRetention} and {PurgeOptions.MaxDeliveryRetention} (days.hh:mm:ss); " +
                "a follow-up job still being delivered must keep its records.")
            .Validate(o => o.StoppedTokenRetention >= PurgeOptions.MinStoppedTokenRetention && o.StoppedTokenRetention <= PurgeOptions.MaxStoppedTokenRetention,
                $"Purge__StoppedTokenRetention must be between {PurgeOptions.MinStoppedTokenRetention} and {PurgeOptions.MaxStoppedTokenRetention} (days.hh:mm:ss).")
            .Validate(o => o.TimeBudget >= PurgeOptions.MinTimeBudget && o.TimeBudget <= PurgeOptions.MaxTimeBudget,
                $"Purge__TimeBudget must be between {PurgeOptions.MinTimeBudget} and {PurgeOptions.MaxTimeBudget}; keep it well under the Functions functionTimeout.")
            .ValidateOnStart();
        services.AddSingleton<RetentionPurge>();
    }
}
