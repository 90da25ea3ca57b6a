using System.Globalization;
using Spectre.Console;

namespace HpcRun.Tools.Verbs.Bench;

/// <summary>`hpcrun bench`'s table: a Spectre.Console table on a terminal, else a Markdown table (what the
/// README's benchmark section takes), then what was skipped and how to read it.</summary>
internal static class BenchTable
{
    private static readonly string[] Headers =
        ["measure", "native", "hpcrun", "hpcrun / native", "spread (IQR)", "rounds", "difference"];

    public static void Write(BenchReport report, TextWriter output, bool terminal)
    {
        string[][] rows = [.. report.Rows.Select(Cells)];
        if (terminal)
        {
            var table = new Table();
            foreach (string header in Headers) table.AddColumn(new TableColumn(header));
            foreach (string[] row in rows) table.AddRow([.. row.Select(Markup.Escape)]);
            AnsiConsole.Write(table);
        }
        else
        {
            output.WriteLine($"| {string.Join(" | ", Headers)} |");
            output.WriteLine($"|{string.Concat(Headers.Select(_ => "---|"))}");
            foreach (string[] row in rows) output.WriteLine($"| {string.Join(" | ", row)} |");
        }
        output.WriteLine();
        foreach (Skipped skip in report.Skipped) output.WriteLine($"skipped {skip.Benchmark}: {skip.Reason}");
        foreach (string line in Legend(report)) output.WriteLine(line);
    }

    /// <summary>One row: medians with their unit, the median paired ratio, its interquartile range, the rounds and
    /// the verdict.</summary>
    internal static string[] Cells(Comparison row) =>
    [
        row.Measure, $"{Number(row.Native)} {row.Unit}", $"{Number(row.Hpcrun)} {row.Unit}", Ratio(row.Ratio),
        $"{Ratio(row.RatioLow)}-{Ratio(row.RatioHigh)}", $"{row.Rounds}", row.Verdict switch
        {
            Verdict.WithinNoise => "within noise",
            Verdict.HpcrunFaster => "hpcrun faster",
            _ => "hpcrun slower",
        },
    ];

    private static IEnumerable<string> Legend(BenchReport report)
    {
        Machine machine = report.Machine;
        yield return $"{report.Image} on {machine.Host} ({machine.Cpus} CPUs, {machine.Cpu}, "
            + $"Linux {machine.Kernel}), {report.Date.UtcDateTime:yyyy-MM-dd HH:mm} UTC; "
            + $"MPI: {report.MpiLauncher ?? "none"}.";
        yield return "Medians of interleaved rounds; hpcrun / native is the median of the rounds' paired ratios, the "
            + "spread their interquartile range; \"within noise\" when that range includes 1.000. Times: lower is "
            + "better; rates (GB/s, Gflop/s, GUP/s): higher is better.";
    }

    private static string Ratio(double ratio) => ratio.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>Three significant digits at most, whole numbers from 100 on.</summary>
    internal static string Number(double value) => value.ToString(
        value >= 100 ? "F0" : value >= 10 ? "F1" : value >= 1 ? "F2" : "G3", CultureInfo.InvariantCulture);
}
