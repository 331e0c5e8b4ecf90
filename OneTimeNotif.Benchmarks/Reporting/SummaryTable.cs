namespace OneTimeNotif.Benchmarks.Reporting;

/// <summary>Every figure of the command, printed at the end as one Markdown table with fixed column names.</summary>
internal sealed class SummaryTable
{
    private static readonly string[] Columns = ["phase", "run", "figure", "value", "unit", "target", "met"];

    private readonly List<Figure> _figures = [];

    public IReadOnlyList<Figure> Figures => _figures;

    public void Add(Figure figure) => _figures.Add(figure);

    public void WriteTo(TextWriter output)
    {
        var rows = _figures.Select(f => new[] { f.Phase, f.Run, f.Name, f.FormattedValue, f.Unit, f.Target?.ToString() ?? "", f.Verdict }).ToList();
        var widths = Columns.Select((c, i) => rows.Select(r => r[i].Length).Append(c.Length).Max()).ToArray();
        output.WriteLine(Line(Columns, widths));
        output.WriteLine(Line(widths.Select(w => new string('-', w)).ToArray(), widths));
        foreach (var row in rows)
        {
            output.WriteLine(Line(row, widths));
        }
    }

    private static string Line(string[] cells, int[] widths) =>
        "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";
}
