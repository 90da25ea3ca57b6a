using HpcRun.Cli;
using HpcRun.CommandLine;
using HpcRun.Tools.Verbs.Registry;
using HpcRun.Tools.Verbs.Slurm;

namespace HpcRun.Tests.Cli;

/// <summary>An option that gives a duration or a count refuses zero and less as a usage error (64), in one line that
/// names it, before anything is read or sent (README, "Supervision and exit status").</summary>
public class AmountOptionsTests
{
    [Theory]
    [InlineData(0.0, "--timeout 0: give seconds above 0, at most 86400")]
    [InlineData(-1.5, "--timeout -1.5: give seconds above 0, at most 86400")]
    [InlineData(86401.0, "--timeout 86401: give seconds above 0, at most 86400")]
    [InlineData(double.NaN, "--timeout NaN: give seconds above 0, at most 86400")]
    public void Seconds_not_above_zero_or_over_the_bound_are_refused(double seconds, string message)
    {
        var e = Assert.Throws<HpcRunException>(() => AmountOptions.Seconds("--timeout", seconds, 86400));
        Assert.Equal((ExitCode.Usage, message), (e.Code, e.Message));
        Assert.Equal(0.5, AmountOptions.Seconds("--timeout", 0.5, 86400));
    }

    [Fact]
    public void Counts_minutes_and_ages_refuse_zero_with_the_options_name()
    {
        Assert.Equal("--ntasks 0: give 1 or more",
            Assert.Throws<HpcRunException>(() => AmountOptions.Count("--ntasks", 0)).Message);
        Assert.Equal(2, AmountOptions.Count("--nodes", 2));
        Assert.StartsWith("--time 0:0: give a time limit above 0 (sbatch's 0, no limit, is not asked for here",
            Assert.Throws<HpcRunException>(() => AmountOptions.Minutes("--time", "0:0", 0)).Message);
        Assert.Equal(1, AmountOptions.Minutes("--time", "0:30", 1));
        foreach (string age in new[] { "0d", "-2h", "+0m", "0", "-0", "00" }) // a bare 0 too, as --days 0 is
            Assert.Equal($"--older-than {age}: give a duration above 0 (e.g. 30d)",
                Assert.Throws<HpcRunException>(() => AmountOptions.Age("--older-than", age)).Message);
        Assert.Equal("--older-than 3w: give a number and d, h or m (e.g. 30d)",
            Assert.Throws<HpcRunException>(() => AmountOptions.Age("--older-than", "3w")).Message);
        Assert.Equal((TimeSpan.FromDays(30), TimeSpan.FromHours(12), TimeSpan.FromMinutes(45)),
            (AmountOptions.Age("d", "30d"), AmountOptions.Age("h", "12h"), AmountOptions.Age("m", "45m")));
    }

    /// <summary>A whole number that is only too large is said to be so, up to the longest span .NET holds (beyond
    /// int's days it was an internal error).</summary>
    [Theory]
    [InlineData("99999999999d", "--older-than 99999999999d: too large (at most 10675199d)")]
    [InlineData("2147483647d", "--older-than 2147483647d: too large (at most 10675199d)")]
    [InlineData("256204779h", "--older-than 256204779h: too large (at most 256204778h)")]
    [InlineData("99999999999999999999m", "--older-than 99999999999999999999m: too large (at most 15372286728m)")]
    [InlineData("-99999999999999999999m", "--older-than -99999999999999999999m: give a duration above 0 (e.g. 30d)")]
    public void Ages_that_are_only_too_large_say_so(string age, string message)
    {
        Assert.Equal(message, Assert.Throws<HpcRunException>(() => AmountOptions.Age("--older-than", age)).Message);
        Assert.Equal(TimeSpan.FromDays(10675199), AmountOptions.Age("--older-than", "10675199d"));
        Assert.Equal(TimeSpan.FromMinutes(15372286728), AmountOptions.Age("--older-than", "15372286728m"));
    }

    [Theory]
    [InlineData("10675200", "--days 10675200: too large (at most 10675199 days)")]
    [InlineData("99999999999999999999", "--days 99999999999999999999: too large (at most 10675199 days)")]
    [InlineData("0", "--days 0: give a whole number of days above 0 (e.g. 30)")]
    [InlineData("-3", "--days -3: give a whole number of days above 0 (e.g. 30)")]
    [InlineData("3d", "--days 3d: give a whole number of days above 0 (e.g. 30)")]
    public void Days_that_are_only_too_large_say_so(string days, string message)
    {
        Assert.Equal(message, Assert.Throws<HpcRunException>(() => AmountOptions.Days("--days", days)).Message);
        Assert.Equal(TimeSpan.FromDays(100000), AmountOptions.Days("--days", "100000"));
    }

    /// <summary>Each verb that takes such an option exits 64 for zero, before it asks slurmrestd (nothing listens on
    /// port 9: a request would be 91) or touches the cache.</summary>
    [Theory]
    [InlineData("status", "--timeout", "0", "1")]
    [InlineData("cancel", "--timeout=-1", "1")]
    [InlineData("jobs", "--timeout", "0")]
    [InlineData("submit", "--timeout", "0", "/images/app.sqfs", "--", "true")]
    [InlineData("submit", "-t", "0", "/images/app.sqfs", "--", "true")]
    [InlineData("submit", "-t", "0-0:0", "/images/app.sqfs", "--", "true")]
    [InlineData("submit", "-N", "0", "/images/app.sqfs", "--", "true")]
    [InlineData("cache", "clean", "--older-than", "0d")]
    public void Zero_is_a_usage_error_in_every_verb_that_takes_one(params string[] args) =>
        Assert.Equal((int)ExitCode.Usage, new HpcRunCli([.. SlurmVerbs.All, CacheVerb.Create()])
            .Invoke(args[0] == "cache" ? args : [args[0], "--url", "http://127.0.0.1:9", .. args[1..]]));
}
