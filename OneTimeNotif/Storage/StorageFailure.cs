using Azure;

namespace OneTimeNotif.Storage;

/// <summary>Recognises the ways the Azure SDK reports that storage could not be reached or refused a request.</summary>
public static class StorageFailure
{
    /// <remarks>
    /// After its retries the SDK throws an <see cref="AggregateException"/> of the attempts; a single refused request
    /// is a <see cref="RequestFailedException"/>; a network timeout surfaces as a <see cref="TaskCanceledException"/>
    /// that was not requested by the caller.
    /// </remarks>
    public static bool IsStorageFault(Exception exception) => exception switch
    {
        RequestFailedException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsStorageFault),
        HttpRequestException or TimeoutException or System.Net.Sockets.SocketException => true,
        TaskCanceledException cancelled => cancelled.InnerException is TimeoutException || !cancelled.CancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>An exception's kind (and a storage refusal's status and code) without its message, which can carry what was being processed.</summary>
    public static string Describe(Exception failure) => failure switch
    {
        RequestFailedException r => $"{failure.GetType().Name} {r.Status} {r.ErrorCode}".TrimEnd(),
        AggregateException { InnerExceptions.Count: > 0 } aggregate => Describe(aggregate.InnerExceptions[^1]),
        _ => failure.GetType().Name,
    };
}
