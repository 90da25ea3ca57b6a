using System.Globalization;
using System.Text;

namespace HpcRun.Slurm;

/// <summary>What `hpcrun submit` hands to Slurm: a bash batch script whose one step
/// is `srun hpcrun IMAGE CMD...`.</summary>
public static class BatchScript
{
    /// <param name="hpcrunCommand">hpcrun, its launch options, the image, and the command to run inside.</param>
    public static string Build(IEnumerable<string> hpcrunCommand)
    {
        var script = new StringBuilder("#!/bin/bash\n");
        script.Append("# Written by hpcrun submit: srun starts the tasks, hpcrun runs each inside the image.\n");
        script.Append("srun ").AppendJoin(' ', hpcrunCommand.Select(Quote)).Append('\n');
        return script.ToString();
    }

    /// <summary>Single-quotes a word for bash unless it is plainly safe.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Minutes from a Slurm time limit: M, M:S, H:M:S, D-H, D-H:M or D-H:M:S (seconds round up).</summary>
    public static int ParseTimeLimit(string text)
    {
        string[] dayAndRest = text.Split('-');
        if (dayAndRest.Length > 2) throw BadTime(text);
        int days = dayAndRest.Length == 2 ? Number(dayAndRest[0], text) : 0;
        int[] parts = [.. dayAndRest[^1].Split(':').Select(p => Number(p, text))];
        (int h, int m, int s) = (dayAndRest.Length == 2, parts.Length) switch
        {
            (false, 1) => (0, parts[0], 0),
            (false, 2) => (0, parts[0], parts[1]),
            (_, 3) => (parts[0], parts[1], parts[2]),
            (true, 1) => (parts[0], 0, 0),
            (true, 2) => (parts[0], parts[1], 0),
            _ => throw BadTime(text),
        };
        long seconds = ((days * 24L + h) * 60 + m) * 60 + s;
        return (int)((seconds + 59) / 60);
    }

    private static int Number(string part, string text) =>
        int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw BadTime(text);

    private static ArgumentException BadTime(string text) =>
        new($"time limit '{text}' is not one of M, M:S, H:M:S, D-H, D-H:M, D-H:M:S");
}
