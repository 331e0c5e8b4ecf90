using Azure;

namespace OneTimeNotif.Storage;

/// <summary>Tells storage answers about one request's content apart from answers about storage itself.</summary>
public static class StorageRefusal
{
    /// <summary>A table property holds at most 64 KiB: 32,768 UTF-16 characters of a string.</summary>
    public const int MaxStringPropertyChars = 32 * 1024;

    /// <summary>
    /// A 400 or 413 says this entity can never be stored as it is (a property too large, the entity over 1 MiB, an
    /// invalid value): sending it again cannot help, unlike a 5xx, a timeout or a 403 (an account or a key problem).
    /// </summary>
    public static bool IsAboutTheEntity(RequestFailedException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Status is 400 or 413;
    }

    /// <summary>
    /// Storage is shedding load (503 ServerBusy) or took too long inside (500 OperationTimedOut): the request was
    /// fine, and the same request a little later will succeed. The SDK has already retried it a few times.
    /// </summary>
    public static bool IsThrottling(Exception exception) => exception switch
    {
        RequestFailedException e => e.Status is 503 or 500,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsThrottling),
        _ => false,
    };
}
