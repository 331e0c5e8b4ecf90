using System.Runtime.ExceptionServices;
using Azure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using OneTimeNotif.Host.Triggers;

namespace OneTimeNotif.Tests.Host;

public sealed class ListenerFailureHandlerTests
{
    [Fact]
    public async Task AStorageOutageWhileFinishingAMessageKeepsTheHostRunning()
    {
        var lifetime = new RecordingLifetime();
        var handler = new ListenerFailureHandler(lifetime, NullLogger<ListenerFailureHandler>.Instance);

        await handler.OnUnhandledExceptionAsync(ExceptionDispatchInfo.Capture(new RequestFailedException(503, "Storage could not be reached.")));

        Assert.False(lifetime.StopRequested);
    }

    [Fact]
    public async Task AnyOtherListenerFailureShutsTheHostDownGracefullyInsteadOfCrashingIt()
    {
        var lifetime = new RecordingLifetime();
        var handler = new ListenerFailureHandler(lifetime, NullLogger<ListenerFailureHandler>.Instance);

        await handler.OnUnhandledExceptionAsync(ExceptionDispatchInfo.Capture(new RequestFailedException(403, "This request is not authorized.")));

        Assert.True(lifetime.StopRequested);
    }

    private sealed class RecordingLifetime : IHostApplicationLifetime
    {
        public bool StopRequested { get; private set; }
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() => StopRequested = true;
    }
}
