namespace OneTimeNotif.Host.Security;

/// <summary>The key services send in <c>x-functions-key</c>, as Function keys do on Azure (section <c>Api</c>).</summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "Api";

    public string Key { get; set; } = "";
}
