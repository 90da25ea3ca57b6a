using System.Diagnostics;
using HpcRun.Image.Posix;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.Image.Text;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests.Integration;

/// <summary>
/// `hpcrun build` as a user runs it: the published binary, mostly as the unprivileged test user, with the
/// exit statuses and one-line messages the README documents, signals sent as Ctrl-C and Slurm send them.
/// </summary>
public sealed class BuildCommandTests : IDisposable
{
    private readonly SharedDir dir = new();

    public void Dispose() => dir.Dispose();

    /// <summary>A directory the test user owns, for its builds to write into.</summary>
    private string UserDir(string name)
    {
        string path = Directory.CreateDirectory(dir.File(name)).FullName;
        ChownToUser(path);
        return path;
    }

    private static void OneLine(CommandResult result, int status, string expected)
    {
        Assert.True(result.ExitCode == status, result.ToString());
        string line = Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Contains(expected, line);
        Assert.DoesNotContain("Exception", line);
        Assert.DoesNotContain(".hpcrun-build", line);
    }

    private static List<string> Left(string directory) =>
        [.. Directory.GetFileSystemEntries(directory).Select(e => Path.GetFileName(e)).Order()];

    private static void ChownToUser(string path) =>
        TestEnvironment.RunChecked("chown", $"{TestEnvironment.User}:{TestEnvironment.User}", path);

    /// <summary>A malformed --platform is the same line and status (100) for pull and for build from any source,
    /// said before anything is read or pulled: a build from a directory said it as 64, and a recipe whose bases are
    /// local built on without a word.</summary>
    [Theory]
    [InlineData("pull", "docker://busybox")]
    [InlineData("build", "docker://busybox")]
    [InlineData("build", "tree")]
    [InlineData("build", "Dockerfile")]
    [InlineData("build", "x.def")]
    public void A_malformed_platform_is_one_line_alike_for_pull_and_every_build(string verb, string source)
    {
        string work = UserDir("platform");
        File.WriteAllText(Path.Combine(work, "Dockerfile"), $"FROM {TestImages.BusyboxTree}\n");
        File.WriteAllText(Path.Combine(work, "x.def"), $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n");
        string from = source is "tree" ? TestImages.BusyboxTree : source;
        // A lone architecture is a platform (the host's OS), as containerd reads one; too many parts is none.
        var result = Hpcrun.Run([verb, "--platform", "linux/arm/v7/x", "out.sif", from], cwd: work);
        OneLine(result, 100, "hpcrun: bad platform 'linux/arm/v7/x': expected OS/ARCH[/VARIANT], e.g. linux/amd64");
        Assert.DoesNotContain("out.sif", Left(work));
    }

    [Theory]
    [InlineData("TERM", 143), InlineData("INT", 130)]
    public async Task A_signalled_build_exits_128_plus_n_and_leaves_no_scratch_and_no_mksquashfs(string signal,
        int status)
    {
        string tree = BigTree(), output = UserDir("out");
        using Process build = Hpcrun.Start(["build", Path.Combine(output, "big.sif"), tree]);
        var (stdout, stderr) = (build.StandardOutput.ReadToEndAsync(), build.StandardError.ReadToEndAsync());
        int mksquashfs = Processes.WaitForChild(build, "mksquashfs");
        Assert.True(Directory.GetDirectories(output, ".hpcrun-build.*").Length == 1); // the build was under way
        TestEnvironment.RunChecked("kill", $"-{signal}", $"{build.Id}");
        await build.WaitForExitAsync();
        string errors = await stderr;
        Assert.True(status == build.ExitCode, await stdout + errors);
        Assert.EndsWith($"build interrupted by SIG{signal}: nothing written", errors.Trim());
        Assert.Empty(Left(output));
        Assert.False(Directory.Exists($"/proc/{mksquashfs}"), "mksquashfs outlived the build");
    }

    [Fact]
    public void A_signalled_build_ends_by_the_signal_as_its_caller_sees_it()
    {
        // It exited 130: a shell's `$?` is the same, but bash carried on with a script's loop of builds at Ctrl-C.
        string tree = BigTree(), output = UserDir("out");
        var result = Hpcrun.Script("perl -e 'my $p = fork; if (!$p) { exec @ARGV } " +
            "until (`pgrep -P $p mksquashfs`) { select(undef, undef, undef, 0.05) } kill q(INT), $p; waitpid($p, 0); " +
            "print $? & 127 ? q(killed by ) . ($? & 127) : q(exited ) . ($? >> 8)' -- \"$H\" build \"$0\" \"$1\"",
            [Path.Combine(output, "big.sif"), tree]);
        Assert.True(result.Stdout == "killed by 2", result.ToString());
        Assert.Empty(Left(output));
    }

    private string BigTree()
    {
        string tree = Directory.CreateDirectory(dir.File("tree")).FullName;
        var random = new Random(2);
        for (int i = 0; i < 64; i++)
        {
            byte[] data = new byte[2 << 20];
            random.NextBytes(data); // incompressible: mksquashfs works for seconds
            File.WriteAllBytes(Path.Combine(tree, $"f{i}"), data);
        }
        Xattr.Set(tree); // mksquashfs makes the image, not hpcrun's own writer
        return tree;
    }

    [Fact]
    public void Files_the_user_cannot_read_stop_the_build_naming_them_or_are_each_skipped_with_a_warning()
    {
        string tree = UserDir("tree"), output = UserDir("out");
        File.WriteAllText(Path.Combine(tree, "readable"), "r");
        File.WriteAllText(Path.Combine(tree, "secret"), "s");
        File.SetUnixFileMode(Path.Combine(tree, "secret"), UnixFileMode.UserRead | UnixFileMode.UserWrite); // root's
        string hidden = Directory.CreateDirectory(Path.Combine(tree, "private")).FullName;
        File.WriteAllText(Path.Combine(hidden, "inside"), "i");
        File.SetUnixFileMode(hidden, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string sif = Path.Combine(output, "tree.sif");

        OneLine(Hpcrun.Run("build", sif, tree), 81,
            $"cannot read {hidden}: Permission denied (and 1 more); --skip-unreadable");
        Assert.Empty(Left(output));

        var skipped = Hpcrun.Run("build", "--skip-unreadable", sif, tree);
        Assert.True(skipped.ExitCode == 0, skipped.ToString());
        Assert.Contains($"warning: skipped {hidden}: Permission denied", skipped.Stderr);
        Assert.Contains($"warning: skipped {Path.Combine(tree, "secret")}: Permission denied", skipped.Stderr);
        var entries = Building.Entries(sif);
        Assert.Contains("readable", entries.Keys);
        Assert.DoesNotContain(entries.Keys, name => name.StartsWith("private") || name == "secret");
    }

    /// <summary>OUT inside its own source (a trial as a new user): the image held the build's scratch directory,
    /// whose random name changed every build, and with --force the image it replaced, growing at each rebuild. Both
    /// ways of squashing (hpcrun's writer; mksquashfs, which --mksquashfs-args beyond gzip choose).</summary>
    [Theory]
    [InlineData("-comp gzip", ".")]
    [InlineData("-comp gzip", "out")]
    [InlineData("-processors 1", "out")]
    public void An_output_inside_its_source_is_never_an_input_and_rebuilds_the_same(string args, string below)
    {
        string tree = UserDir("tree");
        File.WriteAllText(Path.Combine(tree, "f"), "f");
        string into = Path.GetFullPath(Path.Combine(tree, below));
        if (below != ".") UserDir(Path.Combine("tree", below));
        string sif = Path.Combine(into, "self.sif");
        var epoch = new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = "1000" };
        string[] build = ["build", "--force", "--mksquashfs-args", args, sif, tree];
        var first = Hpcrun.Run(build, epoch);
        Assert.True(first.ExitCode == 0, first.ToString());
        byte[] once = File.ReadAllBytes(sif);
        var again = Hpcrun.Run(build, epoch);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(once, File.ReadAllBytes(sif));
        var entries = Building.Entries(sif);
        Assert.Contains("f", entries.Keys);
        Assert.DoesNotContain(entries.Keys, name => name.Contains(".hpcrun-build") || name.EndsWith("self.sif"));
        Assert.Contains("self.sif", Left(into));
        Assert.DoesNotContain(Left(into), name => name.StartsWith(".hpcrun-build"));
    }

    [Fact]
    public void An_output_the_user_cannot_write_is_refused_naming_it()
    {
        string tree = UserDir("tree");
        string unwritable = dir.File("root-owned.sif"), missing = dir.File("missing/x.sif");
        OneLine(Hpcrun.Run("build", unwritable, tree), 80, $"cannot write {unwritable}: permission denied");
        OneLine(Hpcrun.Run("build", missing, tree), 80, $"its directory {dir.File("missing")} does not exist");
        Assert.Equal(["tree"], Left(dir.Path));
    }

    [Fact]
    public void An_existing_output_needs_force_and_a_bad_source_date_epoch_is_a_usage_error()
    {
        string tree = UserDir("tree"), output = UserDir("out"), sif = Path.Combine(output, "x.sif");
        File.WriteAllText(Path.Combine(tree, "f"), "f");
        Assert.Equal(0, Hpcrun.Run("build", sif, tree).ExitCode);
        OneLine(Hpcrun.Run("build", sif, tree), 80, "it exists; give --force to overwrite it");
        Assert.Equal(0, Hpcrun.Run("build", "--force", sif, tree).ExitCode);
        var epoch = new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = "yesterday" };
        OneLine(Hpcrun.Run(["build", "--force", sif, tree], epoch), 64, "SOURCE_DATE_EPOCH=yesterday is not a time");
        Assert.Equal(["x.sif"], Left(output));
    }

    /// <summary>OUT's name says which image a build writes: `*.sqfs` and `*.squashfs` are a bare SquashFS without
    /// --sqfs, `*.sif` a SIF; --sqfs with a SIF's name is refused (64), as is a bare SquashFS of an image file, in one
    /// line each, nothing left behind.</summary>
    [Fact]
    public void An_out_named_sqfs_is_a_bare_squashfs_and_contradictions_are_refused()
    {
        string tree = UserDir("tree"), output = UserDir("out");
        File.WriteAllText(Path.Combine(tree, "f"), "f");
        foreach (string name in new[] { "x.sqfs", "y.SquashFS", "z.sif" })
        {
            var built = Hpcrun.Run("build", Path.Combine(output, name), tree);
            Assert.True(built.ExitCode == 0, built.ToString());
            byte[] head = File.ReadAllBytes(Path.Combine(output, name))[..48];
            Assert.Equal(name != "z.sif", head.AsSpan(0, 4).SequenceEqual("hsqs"u8));
            Assert.Equal(name == "z.sif", head.AsSpan(32, 9).SequenceEqual("SIF_MAGIC"u8));
        }
        string sif = Path.Combine(output, "w.sif"), copy = Path.Combine(output, "copy.sqfs");
        OneLine(Hpcrun.Run("build", "--sqfs", sif, tree), 64, $"--sqfs writes a bare SquashFS, but OUT {sif} is " +
            $"named as a SIF: name it {Path.Combine(output, "w")}.sqfs, or leave out --sqfs for a SIF");
        OneLine(Hpcrun.Run("build", copy, Path.Combine(output, "z.sif")), 64, $"OUT {copy} names a bare SquashFS, " +
            $"but {Path.Combine(output, "z.sif")} is an image already, which hpcrun copies into a SIF: name OUT " +
            $"{Path.Combine(output, "copy.sif")} without --sqfs");
        Assert.Equal(["x.sqfs", "y.SquashFS", "z.sif"], Left(output));
    }

    [Theory]
    [InlineData(true, "absolute"), InlineData(true, "relative"), InlineData(false, "absolute")]
    public void A_later_layers_symlink_changes_no_host_directorys_mode(bool asUser, string kind)
    {
        string host = asUser ? UserDir("host") : Directory.CreateDirectory(dir.File("host")).FullName;
        Directory.CreateDirectory(Path.Combine(host, "b"));
        if (asUser) ChownToUser(Path.Combine(host, "b"));
        var hostOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        File.SetUnixFileMode(host, hostOnly);
        File.SetUnixFileMode(Path.Combine(host, "b"), hostOnly);
        var everyone = (UnixFileMode)0b111_111_111;
        string layout = OciImage.WriteLayout(dir.File("layout"), new OciImage()
            .Layer(new LayerTar().Dir("a", everyone).Dir("a/b", everyone).File("a/b/f", "x"))
            .Layer(new LayerTar().Symlink("a", kind == "absolute" ? host : "../../../../../../../.." + host)));
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", layout);
        // Root's build runs in hpcrun's user namespace, where only uid 0 is mapped: it writes into a root's directory.
        string output = asUser ? UserDir("out") : Directory.CreateDirectory(dir.File("out")).FullName;
        string sif = Path.Combine(output, "x.sif");
        var build = asUser ? Hpcrun.Run("build", sif, layout)
            : TestEnvironment.Run(Hpcrun.Binary, ["build", sif, layout]);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal(hostOnly, File.GetUnixFileMode(host));
        Assert.Equal(hostOnly, File.GetUnixFileMode(Path.Combine(host, "b")));
    }

    /// <summary>A layer's device nodes (a root file system's /dev: debootstrap's has a dozen) are one warning for the
    /// layer that names a few, as a directory source's are, not a line each.</summary>
    [Fact]
    public void A_layers_device_nodes_are_one_warning_naming_a_few()
    {
        LayerTar dev = new LayerTar().Dir("dev");
        foreach (string name in (string[])["console", "full", "null", "ptmx", "random", "tty", "urandom", "zero"])
            dev.Device($"dev/{name}");
        string layout = OciImage.WriteLayout(dir.File("layout"),
            new OciImage().Layer(dev).Layer(new LayerTar().File("etc/hostname", "box")));
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", layout);
        var build = Hpcrun.Run("build", Path.Combine(UserDir("out"), "x.sif"), layout);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal("hpcrun: warning: layer 1/2: skipped 8 device nodes or FIFOs (an image keeps none): " +
            "dev/console, dev/full, dev/null, dev/ptmx, dev/random and 3 more",
            Assert.Single(build.Stderr.Split('\n'), line => line.Contains("warning")));
    }

    [Fact]
    public void Out_and_source_names_that_are_not_utf8_are_taken_as_the_bytes_they_are()
    {
        string output = UserDir("out"), tools = Path.Combine(Path.GetDirectoryName(Hpcrun.Binary)!, "hpcrun-tools");
        // The names come from printf: .NET would pass U+FFFD.
        TestEnvironment.RunChecked("sh", "-c", "e=$(printf '\\351') && mkdir \"$1/src$e\" && echo x > \"$1/src$e/f\""
            + " && \"$0\" build \"$1/caf$e.sif\" \"$1/src$e\"", tools, output);
        using var fd = Libc.Open(Libc.Cwd, output, Libc.O_RDONLY | Libc.O_DIRECTORY);
        string[] names = [.. Libc.ReadDirectory(fd, out _).Select(e => e.Name).Order(StringComparer.Ordinal)];
        Assert.Equal([RawText.Decode(RawTar.Bytes("caf\xe9.sif")), RawText.Decode(RawTar.Bytes("src\xe9"))], names);
    }
}
