namespace OneTimeNotif.Tests.Purge;

/// <summary>
/// The purge tests each start their own Azurite and one or two hosts. They run one at a time, after the parallel
/// part of the suite, so their load does not skew the timing-sensitive follow-up tests on a two-core machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OnePurgeTestAtATime
{
    public const string Name = "Purge";
}
