using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>A word from the command line or a file the user named (an option, a value, an env file's line) is shown
/// in hpcrun's one line with its control characters and the bytes that are not UTF-8 as \xNN, whichever message
/// carries it: raw, an escape sequence would rewrite the terminal (README, "Supervision and exit status"). Every
/// message goes through one writer, so the cases are the reported ones, one per kind of place a word lands in.
/// </summary>
[Collection(ContainerCollection.Name)]
public class UserWordsInMessagesTests(ContainerFixture images)
{
    private const string Esc = "\u001b";

    /// <summary>The words, with {E} for an escape and {img} for an image; the status each is refused with.</summary>
    public static TheoryData<string[], ExitCode> Refused => new()
    {
        { ["exec", "--box{E}", "{img}", "true"], ExitCode.Usage },
        { ["inspect", "--x{E}", "{img}"], ExitCode.Usage },
        { ["help", "x{E}"], ExitCode.Usage },
        { ["cache", "x{E}"], ExitCode.Usage },
        { ["--gpu=x{E}", "{img}", "true"], ExitCode.Usage },
        { ["--mpi=x{E}", "{img}", "true"], ExitCode.Usage },
        { ["--rdma=x{E}", "{img}", "true"], ExitCode.RdmaDeviceNotFound },
        { ["--rdma-libs=x{E}", "{img}", "true"], ExitCode.Usage },
        { ["--mpi-compat=x{E}", "{img}", "true"], ExitCode.Usage },
        { ["-B", "/tmp:/d:x{E}", "{img}", "true"], ExitCode.Usage },
        { ["--mount", "type=bind,src=/tmp,dst=/d,x{E}", "{img}", "true"], ExitCode.Usage },
        { ["--no-mount", "x{E}", "{img}", "true"], ExitCode.Usage },
        { ["cache", "clean", "--older-than", "x{E}"], ExitCode.Usage },
        { ["cache", "clean", "--type", "x{E}"], ExitCode.Usage },
        { ["pull", "--platform", "x{E}", "out.sif", "docker://busybox"], ExitCode.RegistryBadReference },
        { ["submit", "-t", "x{E}", "{img}", "true"], ExitCode.Usage },
        { ["submit", "--url", "http://x{E}", "{img}", "true"], ExitCode.SlurmNotConfigured },
        { ["bench", "--only", "x{E}", "{img}"], ExitCode.Usage },
        { ["build", "--mksquashfs-args", "-x{E}", "out.sif", "{img}"], ExitCode.Usage },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void AnEscapeInAWordIsShownAsHex(string[] words, ExitCode status)
    {
        var result = Hpcrun.Run(words.Select(w => w.Replace("{E}", Esc).Replace("{img}", images.Image)));
        AssertShown(result, status, "x\\x1B");
    }

    [Fact]
    public void AnEnvFilesLineIsShownAsHex()
    {
        var result = Hpcrun.Script("f=$(mktemp); printf 'A\\033[2J=1\\n' > $f; \"$H\" --env-file $f \"$0\" true; " +
            "s=$?; rm -f $f; exit $s", [images.Image]);
        AssertShown(result, ExitCode.BadEnvironmentFile, "got 'A\\x1B[2J=1'");
    }

    /// <summary>Bytes that are not UTF-8 are shown as the bytes they are, not as U+FFFD: the name can be told.
    /// </summary>
    [Fact]
    public void BytesThatAreNotUtf8AreShownAsHex()
    {
        var file = Hpcrun.Script("f=$(mktemp); printf '\\377\\376=1\\n' > $f; \"$H\" --env-file $f \"$0\" true; " +
            "s=$?; rm -f $f; exit $s", [images.Image]);
        AssertShown(file, ExitCode.BadEnvironmentFile, "got '\\xFF\\xFE=1'");
        var bind = Hpcrun.Script("\"$H\" -B \"$(printf 'nou\\377')\" \"$0\" true", [images.Image]);
        AssertShown(bind, ExitCode.Usage, "bad bind 'nou\\xFF'");
    }

    private static void AssertShown(CommandResult result, ExitCode status, string shown)
    {
        Assert.True((int)status == result.ExitCode, result.ToString());
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("hpcrun: ", line);
        Assert.Contains(shown, line);
        Assert.DoesNotContain(line, char.IsControl);
        Assert.DoesNotContain('\uFFFD', line);
    }
}
