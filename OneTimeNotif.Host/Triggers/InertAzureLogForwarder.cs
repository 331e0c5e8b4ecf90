using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Logging.Abstractions;

namespace OneTimeNotif.Host.Triggers;

/// <summary>
/// The storage extension of the WebJobs SDK starts Microsoft.Extensions.Azure's log forwarder when it creates its queue
/// client, and that switches every Azure SDK event source in the process to Verbose: each storage call then formats
/// request and response events only to have them filtered out (a third of the host's CPU per stored opt-in, see
/// docs/benchmarks.md). A forwarder that was started and disposed never listens again, so registering this one makes
/// the extension's own start a no-op. Storage failures still reach the log through the listener's own events.
/// </summary>
/// <remarks>Also compiled into OneTimeNotif.Testing, whose Functions test host runs the same extension.</remarks>
internal static class InertAzureLogForwarder
{
    public static AzureEventSourceLogForwarder Create()
    {
        var forwarder = new AzureEventSourceLogForwarder(NullLoggerFactory.Instance);
        forwarder.Start();
        forwarder.Dispose();
        return forwarder;
    }
}
