using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace OneTimeNotif.Host;

/// <summary>
/// Kestrel's limits against slow senders, bound from the <c>Server</c> section. The webhook is anonymous, so anyone
/// can open requests to it; these end the ones that send too slowly before they tie up the host.
/// </summary>
public sealed class ServerLimitsOptions
{
    public const string SectionName = "Server";

    /// <summary>The request line and headers must arrive within this (Kestrel's default is 30 s).</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A body arriving slower than this (after <see cref="MinRequestBodyGracePeriod"/>) is cut off with 408. Meta
    /// sends a whole batch at once; Kestrel's default is 240 bytes/s.
    /// </summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 1024;

    public TimeSpan MinRequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An idle kept-alive connection is closed after this (Kestrel's default is 130 s).</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public void ApplyTo(KestrelServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.MinRequestBodyDataRate = new MinDataRate(MinRequestBodyBytesPerSecond, MinRequestBodyGracePeriod);
        limits.KeepAliveTimeout = KeepAliveTimeout;
    }
}

internal sealed class ServerLimitsValidator : IValidateOptions<ServerLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerLimitsOptions options) =>
        options.RequestHeadersTimeout > TimeSpan.Zero && options.KeepAliveTimeout > TimeSpan.Zero
        && options.MinRequestBodyBytesPerSecond > 0 && options.MinRequestBodyGracePeriod >= TimeSpan.FromSeconds(1)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                "Server__RequestHeadersTimeout and Server__KeepAliveTimeout must be positive, Server__MinRequestBodyBytesPerSecond " +
                "positive and Server__MinRequestBodyGracePeriod at least one second (Kestrel's own minimum).");
}
