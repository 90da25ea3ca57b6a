namespace HpcRun.Slurm.Tests;

public class BatchScriptTests
{
    [Fact]
    public void Script_is_one_srun_hpcrun_step_with_every_word_quoted_for_bash()
    {
        string script = BatchScript.Build(
            ["/opt/hpcrun/bin/hpcrun", "/data/my image.sqfs", "sh", "-c", "echo it's $HOME"]);
        Assert.Equal("#!/bin/bash\n", script[..12]);
        Assert.EndsWith("\nsrun /opt/hpcrun/bin/hpcrun '/data/my image.sqfs' sh -c 'echo it'\\''s $HOME'\n", script);
        string words = TestSupport.TestEnvironment.RunChecked("bash", "-c",
            "printf '[%s]' " + string.Join(" ", new[] { "a b", "it's", "$X", "" }.Select(BatchScript.Quote)));
        Assert.Equal("[a b][it's][$X][]", words);
    }

    [Theory]
    [InlineData("10", 10)]
    [InlineData("10:30", 11)]
    [InlineData("1:00:00", 60)]
    [InlineData("2-0", 2880)]
    [InlineData("1-2:03", 1563)]
    [InlineData("1-0:0:1", 1441)]
    [InlineData("2147483647", 2147483647)]
    public void Time_limits_are_read_as_sbatch_reads_them(string text, int minutes) =>
        Assert.Equal(minutes, BatchScript.ParseTimeLimit(text));

    [Theory]
    [InlineData("")]
    [InlineData("1h")]
    [InlineData("1-2-3")]
    [InlineData("1:2:3:4")]
    public void Other_time_limits_are_refused(string text) =>
        Assert.Throws<ArgumentException>(() => BatchScript.ParseTimeLimit(text));

    [Theory]
    [InlineData("99999999999")] // a whole M: was "not one of M, ..."
    [InlineData("2147483648")]
    [InlineData("2000000000-0")] // its minutes overflowed an int into a negative limit
    [InlineData("9999999999999999999-0")]
    public void Time_limits_too_long_for_slurm_are_said_to_be(string text) =>
        Assert.Equal($"time limit '{text}' is too long (at most 2147483647 minutes)",
            Assert.Throws<ArgumentException>(() => BatchScript.ParseTimeLimit(text)).Message);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(3 << 8, 3)]
    [InlineData(9, 137)]
    [InlineData(15, 143)]
    public void Wait_statuses_become_shell_statuses(int raw, int shell) =>
        Assert.Equal(shell, SlurmValues.ShellStatus(raw));

    [Fact]
    public void Output_patterns_are_filled_in() =>
        Assert.Equal("/work/run-42-fit-ana%q.out",
            SlurmValues.ExpandOutputPattern("run-%j-%x-%u%q.out", 42, "fit", "ana", "/work"));
}
