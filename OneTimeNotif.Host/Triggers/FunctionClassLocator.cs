using Microsoft.Azure.WebJobs;

namespace OneTimeNotif.Host.Triggers;

/// <summary>
/// Hands the WebJobs SDK exactly the function classes it should index. Its default locator scans every loaded
/// assembly that references the SDK, which would pick up test or tool classes that happen to carry trigger attributes.
/// Also compiled into OneTimeNotif.Testing, whose Functions test host indexes its own classes the same way.
/// </summary>
internal sealed class FunctionClassLocator(IReadOnlyList<Type> functionClasses) : ITypeLocator
{
    public IReadOnlyList<Type> GetTypes() => functionClasses;
}
