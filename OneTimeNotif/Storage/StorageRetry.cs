using Azure.Core;

namespace OneTimeNotif.Storage;

/// <summary>
/// How every storage client of the service retries, the library's and the hosts' alike. The webhook must answer Meta
/// within 20 seconds, so a storage outage has to surface as a 5xx (which Meta retries) long before that, instead of
/// hanging in the SDK's default 100-second network timeout; the queue listener likewise notices an outage in seconds.
/// </summary>
public static class StorageRetry
{
    public static TOptions Apply<TOptions>(TOptions options)
        where TOptions : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        return options;
    }
}
