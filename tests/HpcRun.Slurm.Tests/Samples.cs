namespace HpcRun.Slurm.Tests;

/// <summary>The recorded slurmrestd 22.05 answers and the HTTP status each came with.</summary>
internal static class Samples
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "Samples");

    public static string Read(string name) => File.ReadAllText(Path.Combine(Dir, name));

    public static IReadOnlyDictionary<string, int> Statuses { get; } =
        File.ReadAllLines(Path.Combine(Dir, "http_status_codes.txt"))
        .Where(l => l.Trim().Length > 0)
        .Select(l => l.Split(' ', 2))
        .ToDictionary(p => p[1].Trim(), p => int.Parse(p[0]));
}
