using OneTimeNotif.OptInRequests;

namespace OneTimeNotif.Tests.OptInRequests;

public sealed class ForbiddenPayloadContentTests
{
    [Theory]
    [InlineData("NOTIFY:jane.doe@example.com", "an e-mail address")]
    [InlineData("contact=Jane_Doe+otn@mail.example.co.uk", "an e-mail address")]
    [InlineData("CARD:4111 1111 1111 1111", "a card number")]
    [InlineData("pay-5500-0000-0000-0004", "a card number")]
    [InlineData("378282246310005", "a card number")]
    [InlineData("AMEX 3782 822463 10005", "a card number")]
    [InlineData("CALL:+33 6 12 34 56 78", "a phone number")]
    [InlineData("+1 (555) 123-4567", "a phone number")]
    [InlineData("tel+819012345678", "a phone number")]
    [InlineData("callback 06 12 34 56 78", "a phone number")]
    [InlineData("UK:07700900123", "a phone number")]
    [InlineData("(555) 123-4567", "a phone number")]
    [InlineData("555.123.4567 after 6pm", "a phone number")]
    public void PersonalDataInAPayloadIsFoundAndDescribedWithoutRepeatingIt(string payload, string found) =>
        Assert.Equal(found, ForbiddenPayloadContent.Find(payload, []));

    [Theory]
    [InlineData("RESTOCK:sku-42")]
    [InlineData("RESTOCK:sku-42-2026-11-23")]
    [InlineData("ORDER:1763900000")]
    [InlineData("APPOINTMENT:2026-12-01T09:30")]
    [InlineData("4111111111111112")]
    [InlineData("PRICE-DROP:kettle@40%")]
    [InlineData("build 1.2.3.4")]
    [InlineData("VERSION:0000123456")]
    [InlineData("DEMO:kettle-20261123-093000-3412")]
    [InlineData("BATCH-20261123-093000-3517")]
    [InlineData("ORDER:1763900000018")]
    [InlineData("SHIPMENT:2026-11-23-0930-3412")]
    public void IdsDatesAndProductCodesAreAllowed(string payload) =>
        Assert.Null(ForbiddenPayloadContent.Find(payload, []));

    [Fact]
    public void AValueTheCallerMarksSensitiveIsFoundWhateverItsCase() =>
        Assert.Equal("a value marked sensitive", ForbiddenPayloadContent.Find("WAITLIST:jane-doe-42", ["Jane-Doe"]));

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("79927398713", true)]
    [InlineData("79927398710", false)]
    [InlineData("", false)]
    public void TheLuhnCheckIsTheOneCardNumbersPass(string digits, bool passes) =>
        Assert.Equal(passes, ForbiddenPayloadContent.PassesLuhn(digits));

    [Theory]
    [InlineData("Back in stock?", 14)]
    [InlineData("Cafe\u0301", 4)]
    [InlineData("👨‍👩‍👧 family", 8)]
    [InlineData("🇫🇷🇯🇵", 2)]
    [InlineData("👍🏽", 1)]
    public void TitlesAreCountedAsUsersSeeThem(string title, int length) =>
        Assert.Equal(length, OptInRequestRules.VisibleLength(title));
}
