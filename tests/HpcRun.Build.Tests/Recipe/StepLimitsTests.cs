using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>A RUN that execve(2) would refuse (E2BIG) is said before it starts, in words that say what to do, not
/// as the exception .NET's Process.Start throws.</summary>
public class StepLimitsTests
{
    private const long Limit = 2 << 20;

    [Fact]
    public void A_command_linux_takes_passes() =>
        Assert.Null(StepRunner.TooLong(["/bin/sh", "-c", new string('x', StepRunner.OneArgumentLimit - 1)],
            ["PATH=/usr/bin"], Limit));

    [Fact]
    public void One_argument_over_128_kib_is_refused_with_its_size()
    {
        string? why = StepRunner.TooLong(["/bin/sh", "-c", "echo " + new string('x', 140_000)], [], Limit);
        Assert.Equal("its command has an argument of 137 KiB, and Linux takes at most 128 KiB in one " +
            "(MAX_ARG_STRLEN): COPY a script with the commands and RUN it", why);
        Assert.NotNull(StepRunner.TooLong(["sh", new string('x', StepRunner.OneArgumentLimit)], [], Limit));
    }

    [Fact]
    public void One_variable_over_128_kib_and_a_total_over_the_limit_are_refused()
    {
        Assert.StartsWith("its variable BIG is 196 KiB",
            StepRunner.TooLong(["true"], ["BIG=" + new string('v', 200_000)], Limit));
        string[] many = [.. Enumerable.Range(0, 20).Select(i => $"V{i}=" + new string('v', 120_000))];
        Assert.StartsWith("its command and environment are 2344 KiB, and Linux passes at most 2048 KiB to a program",
            StepRunner.TooLong(["true"], many, Limit));
    }
}
