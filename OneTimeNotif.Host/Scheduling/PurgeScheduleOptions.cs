using Microsoft.Extensions.Options;
using NCrontab;
using OneTimeNotif.Purge;
using OneTimeNotif.Storage;

namespace OneTimeNotif.Host.Scheduling;

/// <summary>
/// The purge's schedule, from the app setting <c>PurgeSchedule</c> the Functions timer reads as <c>%PurgeSchedule%</c>:
/// NCRONTAB with six fields (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>), in UTC.
/// </summary>
public sealed class PurgeScheduleOptions
{
    public static readonly CrontabSchedule.ParseOptions SixFields = new() { IncludingSeconds = true };

    public string Expression { get; set; } = PurgeOptions.DefaultSchedule;

    /// <summary>The parsed schedule; start-up validation guarantees it parses.</summary>
    public CrontabSchedule Schedule => CrontabSchedule.Parse(Expression, SixFields);
}

internal sealed class PurgeScheduleOptionsValidator : IValidateOptions<PurgeScheduleOptions>
{
    public ValidateOptionsResult Validate(string? name, PurgeScheduleOptions options)
    {
        if (CrontabSchedule.TryParse(options.Expression, PurgeScheduleOptions.SixFields) is not null)
        {
            return ValidateOptionsResult.Success;
        }
        return ValidateOptionsResult.Fail(
            $"{PurgeOptions.ScheduleSetting} must be an NCRONTAB expression with six fields, {{second}} {{minute}} {{hour}} " +
            $"{{day}} {{month}} {{day-of-week}}, in UTC, such as \"{PurgeOptions.DefaultSchedule}\" (every hour).");
    }
}

/// <summary>The purge lease is a blob: an identity-based connection must name the blob service too.</summary>
internal sealed class BlobStorageValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options) =>
        options.UsesConnectionString || options.BlobServiceUri is not null
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                "OtnStorage__blobServiceUri is required with an identity-based connection: the standalone host keeps the purge lease in a blob.");
}
