using System.Globalization;

namespace OneTimeNotif.Benchmarks.Reporting;

/// <summary>One measured figure: a row of the summary table.</summary>
/// <param name="Phase">The phase's name, as <c>--phases</c> knows it.</param>
/// <param name="Run">Which run of the phase (a batch size, a rate limit...).</param>
/// <param name="Name">What was measured; stable, so runs can be compared line by line.</param>
/// <param name="Decimals">Digits printed after the point.</param>
internal sealed record Figure(string Phase, string Run, string Name, double Value, string Unit, int Decimals, Target? Target = null)
{
    public static double Mebibytes(long bytes) => bytes / (1024.0 * 1024.0);

    public string FormattedValue => Value.ToString($"F{Decimals}", CultureInfo.InvariantCulture);

    /// <summary>"yes", "NO", or empty when the figure has no target.</summary>
    public string Verdict => Target is null ? "" : Target.IsMetBy(Value) ? "yes" : "NO";
}

/// <summary>A goal a figure is held to.</summary>
internal sealed record Target(TargetKind Kind, double Threshold)
{
    public static Target AtLeast(double threshold) => new(TargetKind.AtLeast, threshold);

    public static Target AtMost(double threshold) => new(TargetKind.AtMost, threshold);

    public static Target Below(double threshold) => new(TargetKind.Below, threshold);

    public static Target Exactly(double threshold) => new(TargetKind.Exactly, threshold);

    public bool IsMetBy(double value) => Kind switch
    {
        TargetKind.AtLeast => value >= Threshold,
        TargetKind.AtMost => value <= Threshold,
        TargetKind.Below => value < Threshold,
        _ => value == Threshold,
    };

    public override string ToString()
    {
        var threshold = Threshold.ToString("0.###", CultureInfo.InvariantCulture);
        return Kind switch
        {
            TargetKind.AtLeast => $">= {threshold}",
            TargetKind.AtMost => $"<= {threshold}",
            TargetKind.Below => $"< {threshold}",
            _ => $"= {threshold}",
        };
    }
}

internal enum TargetKind
{
    AtLeast,
    AtMost,
    Below,
    Exactly,
}
