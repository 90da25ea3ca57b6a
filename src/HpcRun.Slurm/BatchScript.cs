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
    /// <exception cref="ArgumentException">Another form, or more minutes than <see cref="int.MaxValue"/> (Slurm's
    /// own limit is a 32-bit count of minutes).</exception>
    public static int ParseTimeLimit(string text)
    {
        string[] dayAndRest = text.Split('-');
        if (dayAndRest.Length > 2) throw BadTime(text);
        long days = dayAndRest.Length == 2 ? Number(dayAndRest[0], text) : 0;
        long[] parts = [.. dayAndRest[^1].Split(':').Select(p => Number(p, text))];
        (long h, long m, long s) = (dayAndRest.Length == 2, parts.Length) switch
        {
            (false, 1) => (0, parts[0], 0),
            (false, 2) => (0, parts[0], parts[1]),
            (_, 3) => (parts[0], parts[1], parts[2]),
            (true, 1) => (parts[0], 0, 0),
            (true, 2) => (parts[0], parts[1], 0),
            _ => throw BadTime(text),
        };
        long minutes;
        try { minutes = checked((((days * 24 + h) * 60 + m) * 60 + s + 59) / 60); }
        catch (OverflowException) { throw TooLong(text); }
        return minutes <= int.MaxValue ? (int)minutes : throw TooLong(text);
    }

    private static long Number(string part, string text) =>
        part.Length == 0 || !part.All(char.IsAsciiDigit) ? throw BadTime(text)
        : long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : throw TooLong(text);

    private static ArgumentException BadTime(string text) =>
        new($"time limit '{text}' is not one of M, M:S, H:M:S, D-H, D-H:M, D-H:M:S");

    private static ArgumentException TooLong(string text) =>
        new($"time limit '{text}' is too long (at most {int.MaxValue} minutes)");
}
