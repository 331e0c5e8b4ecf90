namespace OneTimeNotif.Tests.Infrastructure;

/// <summary>
/// Tests that judge timing at a fake Send API inside the test process (calls per second): they run alone, after the
/// others, because a test process busy with other tests stamps the fake's arrivals late and bunched.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuresTiming
{
    public const string Name = "Measures timing";
}
