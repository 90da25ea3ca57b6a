using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

public class BindSpecTests
{
    [Theory]
    [InlineData("/data", "/data", "/data", false)]
    [InlineData("/data:/in", "/data", "/in", false)]
    [InlineData("/data:/in:ro", "/data", "/in", true)]
    [InlineData("rel/dir:/in//x/:rw", "rel/dir", "/in/x", false)]
    public void Parses(string text, string source, string target, bool readOnly) =>
        Assert.Equal(new BindSpec(source, target, readOnly), BindSpec.Parse(text));

    [Theory]
    [InlineData("/a:/b:rx")]
    [InlineData("/a:b")]
    [InlineData("/a::ro")]
    [InlineData("/a:/b:ro:x")]
    [InlineData("/a:/")]
    [InlineData("/a:/x/..")]
    public void RejectsMalformed(string text) =>
        Assert.Equal(ExitCode.Usage, Assert.Throws<HpcRunException>(() => BindSpec.Parse(text)).Code);

    [Theory]
    [InlineData("/a:b", "bad bind '/a:b': the destination must be an absolute path")]
    [InlineData("data", "bad bind 'data': without a destination the source is also the destination, which must be an "
        + "absolute path")]
    public void ARelativeDestinationSaysWhereItCameFrom(string text, string message) =>
        Assert.Equal(message, Assert.Throws<HpcRunException>(() => BindSpec.Parse(text)).Message);

    /// <summary>/proc, /sys and /dev are the host's in every container (a rank needs them), as --no-mount proc is
    /// refused: a bind of something else over one of them is refused too, from -B and --mount alike; the host's own
    /// there, and anything below them, stand.</summary>
    [Theory]
    [InlineData("data:/proc"), InlineData("/scratch:/sys"), InlineData("/scratch:/dev/"), InlineData("proc:/proc")]
    public void NothingElseIsBoundOverTheHostsProcSysOrDev(string text)
    {
        string target = PathText.Normalize(text.Split(':')[1]);
        var error = Assert.Throws<HpcRunException>(() => BindSpec.Parse(text));
        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Equal($"bad bind '{text}': cannot bind over {target}: hpcrun always binds the host's /proc, /sys and " +
            "/dev (MPI and RDMA need them); bind below it or elsewhere", error.Message);
        string[] parts = text.Split(':');
        var mount = Assert.Throws<HpcRunException>(() => MountOption.Parse("--mount",
            $"type=bind,src={parts[0]},dst={parts[1]}"));
        Assert.Equal(ExitCode.Usage, mount.Code);
        Assert.Contains($"cannot bind over {target}: hpcrun always binds the host's", mount.Message);
    }

    [Theory]
    [InlineData("/dev"), InlineData("/proc:/proc"), InlineData("/scratch/shm:/dev/shm"), InlineData("/x:/sys/x")]
    public void TheHostsOwnAndWhatIsBelowThemStand(string text) => Assert.NotNull(BindSpec.Parse(text));

    /// <summary>The cases of Apptainer's TestParseBindPath (bind_test.go) hpcrun shares: a comma followed by an
    /// option word adds to the bind before it, any other comma starts a bind; ro among the options wins.</summary>
    [Theory]
    [InlineData("/opt", "/opt>/opt:rw")]
    [InlineData("/opt,/tmp", "/opt>/opt:rw|/tmp>/tmp:rw")]
    [InlineData("/opt:/other", "/opt>/other:rw")]
    [InlineData("/opt:/other,/tmp:/other2,", "/opt>/other:rw|/tmp>/other2:rw")]
    [InlineData("/opt:/other:ro", "/opt>/other:ro")]
    [InlineData("/opt:/other:ro,/tmp:/other2:ro", "/opt>/other:ro|/tmp>/other2:ro")]
    [InlineData("/opt:/other:ro,rw", "/opt>/other:ro")]
    [InlineData("/opt:/other:ro,rw,/tmp:/other2:ro,rw", "/opt>/other:ro|/tmp>/other2:ro")]
    [InlineData("/opt:/other,ro", "/opt>/other:ro")]
    [InlineData(@"/d/a\,b:/m", "/d/a,b>/m:rw")]
    [InlineData(@"/d/c\:d:/m:rw,ro", "/d/c:d>/m:ro")]
    [InlineData(@"/d/a\,b\:c,/x:/y\,z", "/d/a,b:c>/d/a,b:c:rw|/x>/y,z:rw")]
    public void ReadsApptainersListsEscapesAndOptions(string text, string binds) =>
        Assert.Equal(binds, string.Join('|', BindSpec.ParseList(text)
            .Select(b => $"{b.Source}>{b.Target}:{(b.ReadOnly ? "ro" : "rw")}")));

    [Theory]
    [InlineData("/opt:/other:invalid", "mode must be ro or rw, not 'invalid'")]
    [InlineData("/opt:/other:rw:invalid", "expected SRC[:DST[:ro|rw]]")]
    [InlineData("test.sif:/other:image-src=/opt,id=2", "image-src: hpcrun binds host paths, not paths inside an " +
        "image file")]
    [InlineData("test.sif:/other:image-src", "image-src: hpcrun binds host paths, not paths inside an image file")]
    public void RefusesWhatApptainerRefusesAndImageSources(string text, string why)
    {
        var error = Assert.Throws<HpcRunException>(() => BindSpec.ParseList(text).ToList());
        Assert.Equal(ExitCode.Usage, error.Code);
        Assert.Equal($"bad bind '{text}': {why}", error.Message);
    }

    [Fact]
    public void DotDotCannotClimbAboveRoot() => Assert.Equal("/etc", PathText.Normalize("/../../etc/."));
}
