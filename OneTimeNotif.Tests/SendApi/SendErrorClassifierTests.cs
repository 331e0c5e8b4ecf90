using OneTimeNotif.SendApi;

namespace OneTimeNotif.Tests.SendApi;

public sealed class SendErrorClassifierTests
{
    [Theory]
    [InlineData(400, 4, null, true, null, SendStatus.Throttled)]
    [InlineData(400, 4, 2018354, true, null, SendStatus.TooSoon)]
    [InlineData(400, 4, 2018354, false, null, SendStatus.Throttled)]
    [InlineData(400, 17, null, true, null, SendStatus.Throttled)]
    [InlineData(400, 32, null, true, null, SendStatus.Throttled)]
    [InlineData(400, 613, 2534040, true, null, SendStatus.Throttled)]
    [InlineData(400, 613, 2018338, true, null, SendStatus.Throttled)]
    [InlineData(429, null, null, true, null, SendStatus.Throttled)]
    [InlineData(400, 80001, null, true, null, SendStatus.Throttled)]
    [InlineData(400, 80006, null, true, null, SendStatus.Throttled)]
    [InlineData(400, 613, 1893016, false, "(#613) Calls to this api have exceeded the rate limit.", SendStatus.Failed)]
    [InlineData(500, 2, null, true, null, SendStatus.Transient)]
    [InlineData(503, null, null, true, null, SendStatus.Transient)]
    [InlineData(400, 551, null, true, null, SendStatus.UserUnavailable)]
    [InlineData(400, 551, 1545041, true, null, SendStatus.UserUnavailable)]
    [InlineData(400, 10, 2018108, true, null, SendStatus.UserUnavailable)]
    [InlineData(400, 10, 1893015, true, null, SendStatus.UserUnavailable)]
    [InlineData(400, 100, null, true, "(#100) The token has expired", SendStatus.TokenRejected)]
    [InlineData(400, 100, 2018001, true, "(#100) No matching user found", SendStatus.TokenRejected)]
    [InlineData(400, 10, 2018278, true, null, SendStatus.TokenRejected)]
    [InlineData(400, 10, 2018065, true, null, SendStatus.TokenRejected)]
    [InlineData(400, 10, 2534022, true, null, SendStatus.TokenRejected)]
    [InlineData(400, 10, 2018278, false, null, SendStatus.ConfigurationFault)]
    [InlineData(400, 10, null, true, null, SendStatus.ConfigurationFault)]
    [InlineData(403, 200, null, true, null, SendStatus.ConfigurationFault)]
    [InlineData(400, 190, null, true, null, SendStatus.ConfigurationFault)]
    [InlineData(400, 100, null, true, "Invalid appsecret_proof provided in the API argument", SendStatus.ConfigurationFault)]
    [InlineData(400, 100, null, true, "(#100) Param message[text] must be a UTF-8 encoded string", SendStatus.MessageRejected)]
    [InlineData(400, 100, 2018047, true, "(#100) Upload attachment failure", SendStatus.MessageRejected)]
    [InlineData(400, 12345, null, true, null, SendStatus.Failed)]
    public void MetaErrorsAreClassifiedByWhatTheServiceMustDo(int http, int? code, int? subcode, bool tokenSend, string? message, SendStatus expected)
    {
        var result = SendErrorClassifier.Classify(new MetaError(http, code, subcode, "OAuthException", "trace1"), tokenSend, message);

        Assert.Equal(expected, result.Status);
        Assert.StartsWith($"Meta error {(code is null ? "?" : code)}", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, 2018065, true)]
    [InlineData(10, 2018278, true)]
    [InlineData(10, null, true)]
    [InlineData(200, null, true)]
    [InlineData(190, null, true)]
    [InlineData(100, null, true)]
    [InlineData(100, 2018001, false)]
    [InlineData(10, 2018108, false)]
    [InlineData(551, null, false)]
    [InlineData(613, null, false)]
    public void RefusalsThatMayConcernThePageAreToldApartByCodeAndSubcode(int code, int? subcode, bool pageWide)
    {
        var result = SendErrorClassifier.Classify(new MetaError(400, code, subcode, "OAuthException", "trace1"), tokenSend: true, "any wording");

        Assert.Equal(pageWide, result.MayConcernThePage);
    }

    [Fact]
    public void OnlyCodeFourIsTheWholeApps()
    {
        Assert.True(SendErrorClassifier.IsAppThrottle(new MetaError(400, 4, null, null, null)));
        Assert.False(SendErrorClassifier.IsAppThrottle(new MetaError(400, 80006, null, null, null)));
    }
}
