using OneTimeNotif.SendApi;

namespace OneTimeNotif.Tests.SendApi;

public sealed class MetaUsageTests
{
    [Fact]
    public void ThePagesEntryGivesItsHighestUsageAndTheMinutesUntilAccessReturns()
    {
        var usage = MetaUsage.Read(
            """{"call_count":28,"total_time":25,"total_cputime":31}""",
            """{"1234":[{"type":"messenger","call_count":95,"total_cputime":20,"total_time":20,"estimated_time_to_regain_access":19}],"999":[{"type":"messenger","call_count":100,"estimated_time_to_regain_access":60}]}""",
            "1234");

        Assert.Equal(31, usage.AppPercent);
        Assert.Equal(95, usage.PagePercent);
        Assert.Equal(TimeSpan.FromMinutes(19), usage.RegainAccessIn);
    }

    [Fact]
    public void ZeroMinutesMeansNotBlocked()
    {
        var usage = MetaUsage.Read(null, """{"1234":[{"type":"messenger","call_count":12,"estimated_time_to_regain_access":0}]}""", "1234");

        Assert.Null(usage.RegainAccessIn);
        Assert.Equal(12, usage.PagePercent);
        Assert.Null(usage.AppPercent);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"1234":"x"}""")]
    [InlineData("""{"1234":[{"call_count":"high","estimated_time_to_regain_access":"soon"}]}""")]
    public void AMalformedHeaderIsIgnoredRatherThanFailingTheSend(string header)
    {
        var usage = MetaUsage.Read(header, header, "1234");

        Assert.Equal(MetaUsage.None, usage);
    }
}
