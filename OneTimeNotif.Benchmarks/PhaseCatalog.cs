using System.Reflection;

namespace OneTimeNotif.Benchmarks;

/// <summary>Every <see cref="IBenchmarkPhase"/> in this assembly, found by reflection so adding a phase touches nothing else.</summary>
internal static class PhaseCatalog
{
    private static readonly Lazy<IReadOnlyList<IBenchmarkPhase>> AllPhases = new(Discover);

    public static IReadOnlyList<IBenchmarkPhase> All => AllPhases.Value;

    public static IEnumerable<string> Names => All.Select(p => p.Name);

    public static IReadOnlyList<string> Unknown(IEnumerable<string> names) =>
        names.Where(n => All.All(p => p.Name != n)).ToList();

    /// <summary>The chosen phases in their run order.</summary>
    public static IReadOnlyList<IBenchmarkPhase> Select(IEnumerable<string> names)
    {
        var chosen = names.ToHashSet();
        return All.Where(p => chosen.Contains(p.Name)).ToList();
    }

    private static List<IBenchmarkPhase> Discover() =>
        typeof(PhaseCatalog).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchmarkPhase).IsAssignableFrom(t))
            .Select(t => (IBenchmarkPhase)Activator.CreateInstance(t, nonPublic: true)!)
            .OrderBy(p => p.Order)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
}
