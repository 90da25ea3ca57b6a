using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>What a verb prints on stdout that cannot be written (a full disk: /dev/full) fails the verb with one line
/// and 84, in both binaries, as cat(1) fails: a script must not take a cut-off `inspect --json` for the whole. A reader
/// that went away (`| head -1`) is no failure. The SIF with a definition file is the Apptainer fixture's, made here if
/// no test made it before (it was found missing when this class ran first).</summary>
[Collection(ContainerCollection.Name)]
public class StdoutWriteFailureTests(ContainerFixture images, ApptainerImages apptainer)
    : IClassFixture<ApptainerImages>
{
    [Theory]
    [InlineData("inspect", "--json", "{img}"), InlineData("inspect", "--deffile", "{sif}")]
    [InlineData("run-help", "{img}"), InlineData("version"), InlineData("--version"), InlineData("--help")]
    [InlineData("help", "exec"), InlineData("cache", "list")]
    public void AFullDiskIsAFailure(params string[] words)
    {
        var result = Hpcrun.Script("\"$H\" \"$@\" > /dev/full", Words(words));
        Assert.True((int)ExitCode.OutputUnwritable == result.ExitCode, result.ToString());
        Assert.Equal("hpcrun: cannot write to standard output: no space left on device\n", result.Stderr);
    }

    [Theory]
    [InlineData("inspect", "--json", "{img}"), InlineData("--help")]
    public void AReaderThatWentAwayIsNoFailure(params string[] words)
    {
        var result = Hpcrun.Script("set -o pipefail; \"$H\" \"$@\" | true", Words(words));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
    }

    /// <summary>The words for bash's "$@": $0 first, as `bash -c` takes it.</summary>
    private string[] Words(string[] words) =>
        ["sh", .. words.Select(w => w.Replace("{img}", images.Image)
            .Replace("{sif}", apptainer.Sif))];
}
