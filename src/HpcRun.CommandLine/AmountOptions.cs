using System.Globalization;

namespace HpcRun.CommandLine;

/// <summary>One rule for every option that gives a duration or a count (`submit`/`status`/`cancel`/`jobs --timeout`,
/// `submit -t/-N/-n`, `cache clean --older-than`): zero or less asks for nothing anyone can want (a request that may
/// take no time, a job of no tasks, a cache entry older than now), and would otherwise fail later under another
/// status (a request "timing out" as 90), so it is a usage error (64) in one line that names the option and what to
/// give, before anything is read or sent.</summary>
public static class AmountOptions
{
    /// <summary><paramref name="seconds"/> of <paramref name="option"/>: above 0 and at most
    /// <paramref name="max"/>.</summary>
    /// <exception cref="HpcRunException">64 for any other value (NaN included).</exception>
    public static double Seconds(string option, double seconds, int max) =>
        seconds is > 0 && seconds <= max ? seconds : throw new HpcRunException(ExitCode.Usage,
            $"{option} {seconds.ToString(CultureInfo.InvariantCulture)}: give seconds above 0, at most {max}");

    /// <summary>A count of <paramref name="option"/> (nodes, tasks): 1 or more.</summary>
    /// <exception cref="HpcRunException">64 for 0 or less.</exception>
    public static int Count(string option, int count) =>
        count >= 1 ? count : throw new HpcRunException(ExitCode.Usage, $"{option} {count}: give 1 or more");

    /// <summary>A time limit in minutes (<paramref name="minutes"/>, read from <paramref name="text"/>): above 0.
    /// sbatch reads `--time=0` as no limit at all, which hpcrun does not ask Slurm for: without -t the partition's
    /// default applies.</summary>
    /// <exception cref="HpcRunException">64 for 0.</exception>
    public static int Minutes(string option, string text, int minutes) =>
        minutes > 0 ? minutes : throw new HpcRunException(ExitCode.Usage, $"{option} {text}: give a time limit above " +
            "0 (sbatch's 0, no limit, is not asked for here: leave it out for the partition's default)");

    /// <summary>An age as Apptainer's --days and Docker's "until" take it: a whole number above 0 and d, h or m
    /// (`30d`, `12h`, `45m`), at most the longest span .NET holds (10675199 days).</summary>
    /// <exception cref="HpcRunException">64 for anything else, 0 included; a number that is only too large is said
    /// to be so.</exception>
    public static TimeSpan Age(string option, string text)
    {
        long unit = text.Length < 2 ? 0 : text[^1] switch
        {
            'd' => TimeSpan.TicksPerDay,
            'h' => TimeSpan.TicksPerHour,
            'm' => TimeSpan.TicksPerMinute,
            _ => 0,
        };
        // Zero is refused for being zero, with a unit or without, as --days 0 is.
        if (IsWholeNumber(unit == 0 ? text : text[..^1]) && text.TrimEnd('d', 'h', 'm').TrimStart('+', '-')
                .All(c => c == '0'))
            throw new HpcRunException(ExitCode.Usage, $"{option} {text}: give a duration above 0 (e.g. 30d)");
        if (unit == 0 || !IsWholeNumber(text[..^1]))
            throw new HpcRunException(ExitCode.Usage, $"{option} {text}: give a number and d, h or m (e.g. 30d)");
        long most = TimeSpan.MaxValue.Ticks / unit;
        bool fits = long.TryParse(text[..^1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n);
        if (fits ? n <= 0 : text[0] == '-')
            throw new HpcRunException(ExitCode.Usage, $"{option} {text}: give a duration above 0 (e.g. 30d)");
        if (!fits || n > most)
            throw new HpcRunException(ExitCode.Usage, $"{option} {text}: too large (at most {most}{text[^1]})");
        return TimeSpan.FromTicks(n * unit);
    }

    /// <summary>Apptainer's `cache clean --days N`: a whole number of days above 0, at most the longest span .NET
    /// holds (an age beyond the calendar's start takes nothing older).</summary>
    /// <exception cref="HpcRunException">64 for anything else; a number that is only too large is said to be so.
    /// </exception>
    public static TimeSpan Days(string option, string text)
    {
        if (text.Length == 0 || !text.All(char.IsAsciiDigit) || text.All(c => c == '0'))
            throw new HpcRunException(ExitCode.Usage,
                $"{option} {HpcRun.Image.Text.Shown.Excerpt(text)}: give a whole number of days above 0 (e.g. 30)");
        int most = TimeSpan.MaxValue.Days;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n <= most
            ? TimeSpan.FromDays(n)
            : throw new HpcRunException(ExitCode.Usage, $"{option} {text}: too large (at most {most} days)");
    }

    /// <summary>Digits after at most one sign: a whole number, whatever its size.</summary>
    internal static bool IsWholeNumber(string text)
    {
        int sign = text.Length > 0 && text[0] is '-' or '+' ? 1 : 0;
        return text.Length > sign && text.Skip(sign).All(char.IsAsciiDigit);
    }
}
