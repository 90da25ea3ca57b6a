using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>Each bad input: one line on stderr naming the problem, hpcrun's own exit status, nothing left
/// behind.</summary>
[Collection(ContainerCollection.Name)]
public class BadInputTests(ContainerFixture images)
{
    private static void AssertOneLineError(CommandResult result, ExitCode code, string mentions)
    {
        Assert.True((int)code == result.ExitCode, result.ToString());
        Assert.Equal("", result.Stdout);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("hpcrun: ", line);
        Assert.Contains(mentions, line);
        LeakCheck.AssertNothingLeft();
    }

    [Fact]
    public void MissingImage() =>
        AssertOneLineError(Hpcrun.Run("/nonexistent/app.sqfs", "true"), ExitCode.ImageNotFound,
            "/nonexistent/app.sqfs");

    /// <summary>A control character in a name the user gave (a path pasted from a file with DOS line endings, a
    /// stray escape) is shown as \xNN in the line that names it: raw, a carriage return would send the cursor back
    /// and the rest of the line would overwrite the name.</summary>
    [Fact]
    public void ControlCharactersInANameAreShown()
    {
        AssertOneLineError(Hpcrun.Run("/no\rsuch.sif", "true"), ExitCode.ImageNotFound,
            "image not found: /no\\x0Dsuch.sif");
        AssertOneLineError(Hpcrun.Run("-B", "/no/such\r:/data", images.Image, "true"), ExitCode.BindSourceNotFound,
            "bind source does not exist: /no/such\\x0D");
        AssertOneLineError(Hpcrun.Run("-H", "/no/home\u001b[2J", images.Image, "true"), ExitCode.BindSourceNotFound,
            "home directory does not exist: /no/home\\x1B[2J");
        AssertOneLineError(Hpcrun.Run("--env", "A\rB=1", images.Image, "true"), ExitCode.Usage,
            "bad --env 'A\\x0DB=1'");
        AssertOneLineError(Hpcrun.Run("--env-file", "/no/env\r", images.Image, "true"), ExitCode.BadEnvironmentFile,
            "--env-file: cannot read env file /no/env\\x0D");
        AssertOneLineError(Hpcrun.Run("pull", "docker://a\rb"), ExitCode.RegistryBadReference,
            "'docker://a\\x0Db' is not an image");
    }

    /// <summary>A file that is one endless line (an env file or site configuration that is /dev/zero) is quoted in
    /// a line of its own size no more: both ends of what it said, elided in the middle.</summary>
    [Fact]
    public void AnEndlessLineIsQuotedShort()
    {
        CommandResult envFile = Hpcrun.Run("--env-file", "/dev/zero", images.Image, "true");
        AssertOneLineError(envFile, ExitCode.BadEnvironmentFile, "/dev/zero:1: expected NAME=VALUE, got '\\x00");
        var zeroConfig = new Dictionary<string, string> { ["HPCRUN_CONFIG"] = "/dev/zero" };
        AssertOneLineError(Hpcrun.Run([images.Image, "true"], zeroConfig), ExitCode.SiteConfigInvalid, "/dev/zero");
        foreach (CommandResult result in new[] { envFile, Hpcrun.Run(["--env", new string('x', 100_000),
            images.Image, "true"]) })
            Assert.True(result.Stderr.Length < 500, $"{result.Stderr.Length} characters");
    }

    /// <summary>A password in any URL a message names is left out: slurmrestd's URL (its errors and --debug's
    /// request lines), a reference where another word was expected (pull's and build's swapped arguments, bench).
    /// And doctor's lines are cut short as every message is.</summary>
    [Fact]
    public void APasswordInAnyUrlIsNeverPrinted()
    {
        var slurm = new Dictionary<string, string>
        {
            ["SLURM_RESTD_URL"] = "http://alice:S3cret@127.0.0.1:1",
            ["SLURM_JWT"] = "x",
        };
        foreach (string[] args in new string[][] { ["jobs", "--timeout", "2"], ["--debug", "jobs", "--timeout", "2"],
            ["pull", "docker://u:S3/cret@h/x", "o.sif"], ["build", "docker://u:S3cret@h/x", "o.sif"],
            ["bench", "docker://u:S3cret@h/x"] })
        {
            CommandResult result = Hpcrun.Run(args, slurm);
            Assert.True(result.ExitCode != 0, result.ToString());
            Assert.DoesNotContain("S3", result.Stdout + result.Stderr);
            Assert.Contains("***@", result.Stderr);
        }
        CommandResult doctor = Hpcrun.Run("doctor", "/x/" + new string('y', 100_000));
        Assert.All(doctor.Stdout.Split('\n'), line => Assert.True(line.Length < 1_200, $"{line.Length} characters"));
    }

    /// <summary>A password typed into a reference, another scheme's URL or a mirror's URL is never printed: the
    /// reference is refused (credentials go in --creds, the variables or docker's config) and shown without it,
    /// by pull, build, a launch and doctor alike.</summary>
    [Fact]
    public void APasswordInAReferenceIsNeverPrinted()
    {
        const string reference = "docker://alice:S3cret@127.0.0.1:1/test/bb:1";
        foreach (string[] args in new string[][] { ["pull", "o.sif", reference], ["build", "o.sif", reference],
            [reference, "true"], ["exec", reference, "true"] })
            AssertOneLineError(Hpcrun.Run(args), ExitCode.RegistryBadReference,
                "'docker://***@127.0.0.1:1/test/bb:1' is not an image reference: credentials do not go in one");
        AssertOneLineError(Hpcrun.Run("pull", "o.sif", "oras://alice:S3cret@127.0.0.1:1/x:1"), ExitCode.Usage,
            "'oras://***@127.0.0.1:1/x:1' is not supported");
        AssertOneLineError(Hpcrun.Run(["pull", "o.sif", "docker://busybox"],
            new Dictionary<string, string> { ["HPCRUN_REGISTRY_MIRROR"] = "https://alice:S3cret@127.0.0.1:1" }),
            ExitCode.Usage, "HPCRUN_REGISTRY_MIRROR=https://***@127.0.0.1:1: credentials do not go in its URL");
        CommandResult doctor = Hpcrun.Run("doctor", reference);
        Assert.Contains("docker://***@127.0.0.1:1/test/bb:1", doctor.Stdout);
        Assert.DoesNotContain("S3cret", doctor.Stdout + doctor.Stderr);
    }

    /// <summary>A mirror's URL with a query or a fragment, which Docker's registry-mirrors refuse too, is refused
    /// saying so and giving the URL without it: it was "not an http(s) URL", of an https URL.</summary>
    [Theory]
    [InlineData("https://mirror.example/?x=1", "https://mirror.example/")]
    [InlineData("http://mirror.example:5000/v2#top", "http://mirror.example:5000/v2")]
    public void AMirrorUrlWithAQueryOrFragmentIsRefusedSayingSo(string mirror, string without) =>
        AssertOneLineError(Hpcrun.Run(["pull", "o.sif", "docker://busybox"],
            new Dictionary<string, string> { ["HPCRUN_REGISTRY_MIRROR"] = mirror }), ExitCode.Usage,
            $"HPCRUN_REGISTRY_MIRROR={mirror}: a mirror's URL has no query or fragment, as Docker's registry-mirrors " +
            $"have none: give {without}");

    /// <summary>A launch option before a verb (`hpcrun --offline build ...`) made the bare form take the verb for
    /// its image ("image not found: build"): it is one line saying which options go before a verb, for a tool verb
    /// and a launch verb alike; `hpcrun -- build` still names an image called build, and hpcrun's own options
    /// before a verb still work. So is a verb's own option that exec lacks (`hpcrun --timeout 3 jobs`), which was
    /// "unknown option" with exec's help, and `hpcrun -n 2 submit`, which was Apptainer's --net's advice.</summary>
    [Theory]
    [InlineData("--offline", "build", "o.sif", "x.def")]
    [InlineData("--offline", "pull", "o.sif", "docker://busybox")]
    [InlineData("--cleanenv", "run", "img.sif")]
    [InlineData("-B", "/tmp", "inspect", "img.sif")]
    [InlineData("--offline", "doctor")]
    [InlineData("--timeout", "3", "jobs")]
    [InlineData("-n", "2", "submit", "img.sif", "true")]
    [InlineData("--wait", "submit", "img.sif", "true")]
    [InlineData("--json", "status", "3")]
    [InlineData("--url", "http://127.0.0.1:1", "--timeout=3", "cancel", "3")]
    [InlineData("--labels", "inspect", "img.sif")]
    [InlineData("--insecure", "build", "o.sif", "docker://localhost:1/x")]
    [InlineData("--platform", "linux/arm64", "pull", "o.sif", "docker://localhost:1/x")]
    public void ALaunchOptionBeforeAVerbIsSaidSo(params string[] args)
    {
        string[] verbs = ["build", "pull", "run", "inspect", "doctor", "jobs", "submit", "status", "cancel"];
        string option = args[0], verb = args.First(verbs.Contains);
        AssertOneLineError(Hpcrun.Run(args), ExitCode.Usage, $"{option} comes before the verb {verb}, where only " +
            $"-q, --quiet, -s, --silent, -v, --verbose, --debug may: give a verb's options after it (see 'hpcrun " +
            $"{verb} --help')");
    }

    /// <summary>An option exec lacks before an image that is there stays exec's: the words after the image are the
    /// job's, whatever verb they name.</summary>
    [Fact]
    public void AnUnknownOptionBeforeAnImageIsExecsWhateverFollows() =>
        AssertOneLineError(Hpcrun.Run("--bogus", images.Image, "run"), ExitCode.Usage,
            "unknown option '--bogus' (see 'hpcrun exec --help')");

    /// <summary>pull's and build's --insecure, --creds and --platform given to a launch (`hpcrun --insecure
    /// docker://REF CMD` or after exec) were a bare "unknown option": one line says they go after pull or build,
    /// and what a launch of docker://REF takes instead (64), before any pull. Before the verb pull or build they
    /// are that verb's own options out of place, said by the line above.</summary>
    [Theory]
    [InlineData("--insecure", "docker://localhost:1/x", "speaks plain HTTP with HPCRUN_INSECURE=1")]
    [InlineData("--creds=u:p", "docker://localhost:1/x", "logs in with HPCRUN_DOCKER_USERNAME and")]
    [InlineData("--platform", "linux/arm64", "pulls the host's platform")]
    [InlineData("exec", "--insecure", "speaks plain HTTP with HPCRUN_INSECURE=1")]
    public void PullsOptionsGivenToALaunchSayWhereTheyGoAndWhatALaunchTakes(string first, string second,
        string instead)
    {
        string option = (first == "exec" ? second : first).Split('=')[0];
        var result = Hpcrun.Run(first, second, "docker://localhost:1/x", "true");
        AssertOneLineError(result, ExitCode.Usage, $"'{option}' is an option of pull and build, after the verb " +
            $"(hpcrun pull {option} ...): a launch of docker://REF {instead}");
    }

    [Fact]
    public void ADoubleDashBeforeAVerbsNameMakesItAnImage()
    {
        AssertOneLineError(Hpcrun.Run("--offline", "--", "build"), ExitCode.ImageNotFound, "image not found: build");
        var quiet = Hpcrun.Run("-q", "inspect", images.Image);
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
    }

    [Fact]
    public void AnEmptyImageArgumentIsSaidToBeEmpty()
    {
        foreach (string[] args in (string[][])[["", "true"], ["exec", "", "true"], ["inspect", ""], ["run-help", ""],
                     ["doctor", ""], ["run", ""], ["bench", ""]])
            AssertOneLineError(Hpcrun.Run(args), ExitCode.Usage, "the image argument is empty");
    }

    /// <summary>An empty OUT or SOURCE (an unset variable's "$OUT"), or an empty file option, names nothing: one
    /// line, before anything is looked for or written (build -f "" was an internal error).</summary>
    [Fact]
    public void AnEmptyPathOfBuildOrPullIsSaidToBeEmpty()
    {
        AssertOneLineError(Hpcrun.Run("build", "-f", "", "x.sif", "."), ExitCode.Usage,
            "-f is empty, which names nothing (see 'hpcrun build --help')");
        AssertOneLineError(Hpcrun.Run("build", "--build-arg-file", "", "x.sif", "x.def"), ExitCode.Usage,
            "--build-arg-file is empty, which names nothing (see 'hpcrun build --help')");
        AssertOneLineError(Hpcrun.Run("--env-file", "", images.Image, "true"), ExitCode.Usage,
            "--env-file is empty, which names nothing (see 'hpcrun exec --help')");
        AssertOneLineError(Hpcrun.Run("pull", "--dir", "", "docker://busybox"), ExitCode.Usage,
            "--dir is empty, which names nothing (see 'hpcrun pull --help')");
        AssertOneLineError(Hpcrun.Run("build", "x.sif", ""), ExitCode.Usage,
            "the SOURCE argument is empty, which names nothing: hpcrun build [OPTIONS] OUT SOURCE");
        AssertOneLineError(Hpcrun.Run("build", "", images.Image), ExitCode.Usage,
            "the OUT argument is empty, which names nothing: hpcrun build [OPTIONS] OUT SOURCE");
        AssertOneLineError(Hpcrun.Run("pull", ""), ExitCode.Usage,
            "an argument is empty, which names nothing: hpcrun pull [OPTIONS] [OUT.sif] REFERENCE");
        AssertOneLineError(Hpcrun.Run("pull", "", "docker://busybox"), ExitCode.Usage,
            "the OUT argument is empty, which names nothing: hpcrun pull [OPTIONS] [OUT.sif] REFERENCE");
    }

    [Fact]
    public void AMissingEnvFileNamesWhereItsPathCameFrom()
    {
        AssertOneLineError(Hpcrun.Run("--env-file", "/no/such.env", images.Image, "true"),
            ExitCode.BadEnvironmentFile, "--env-file: cannot read env file /no/such.env: No such file or directory");
        foreach (string variable in new[] { "APPTAINER_ENV_FILE", "SINGULARITY_ENV_FILE" })
            AssertOneLineError(Hpcrun.Run([images.Image, "true"], new Dictionary<string, string>
            { [variable] = "/no/such.env" }), ExitCode.BadEnvironmentFile,
                $"{variable}: cannot read env file /no/such.env: No such file or directory");
    }

    [Fact]
    public void NotAnImage() =>
        AssertOneLineError(Hpcrun.Run("/etc/passwd", "true"), ExitCode.BadImage, "not an image");

    /// <summary>An image the user may not read, a directory (0700, root's) or a file (0600, root's): every verb
    /// that opens an image says so in run's words and status; build says its own (81).</summary>
    [Theory]
    [InlineData("exec")]
    [InlineData("test")]
    [InlineData("inspect")]
    [InlineData("run-help")]
    public void AnImageTheUserCannotReadIsNamedNotAnInternalError(string verb)
    {
        string root = Path.Combine(TestImages.Dir, $"unreadable-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        try
        {
            const UnixFileMode rw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            string dir = Path.Combine(root, "dir"), file = Path.Combine(root, "x.sqfs");
            Directory.CreateDirectory(Path.Combine(dir, "bin"));
            File.SetUnixFileMode(dir, rw | UnixFileMode.UserExecute);
            File.Copy(images.Image, file);
            File.SetUnixFileMode(file, rw);
            foreach (string image in (string[])[dir, file])
            {
                string[] args = verb == "exec" ? [verb, image, "true"] : [verb, image];
                AssertOneLineError(Hpcrun.Run(args), ExitCode.ImageNotFound, $"image not readable: {image}");
            }
            string output = Path.Combine(root, "out.sif");
            TestEnvironment.RunChecked("chmod", "a+rwx", root);
            AssertOneLineError(Hpcrun.Run("build", output, dir), ExitCode.BuildSourceUnreadable,
                $"cannot read {dir}: permission denied");
            Assert.False(File.Exists(output));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    /// <summary>An image of the user's own that its mode lets nobody read (chmod 000, a directory's 0000): the launch
    /// refuses it as inspect does (66), though root of the launch's user namespace could read it.</summary>
    [Theory]
    [InlineData("exec"), InlineData("run"), InlineData("inspect")]
    public void AnImageOfTheUsersOwnThatItsModeForbidsIsNotRead(string verb)
    {
        var result = Hpcrun.Script("d=$(mktemp -d); cp \"$1\" $d/nr.sqfs; mkdir -p $d/dir/bin; " +
            "chmod 000 $d/nr.sqfs $d/dir; for i in $d/nr.sqfs $d/dir; do " +
            "if [ \"$0\" = inspect ]; then \"$H\" inspect $i; else \"$H\" \"$0\" $i true; fi; echo \"status $?\"; " +
            "done; chmod -R u+rwx $d; rm -rf $d", [verb, images.Image]);
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines is ["status 66", "status 66"], result.ToString());
        Assert.Equal(2, result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Count(l => l.StartsWith("hpcrun: image not readable: /", StringComparison.Ordinal)));
    }

    /// <summary>An image in a directory of the user's own that its mode closes (chmod 000): every verb refuses it as
    /// inspect did (66), naming that directory (the launch ran it, root of its user namespace entering it; bench and
    /// run-help refused it without saying why), and doctor gives the chmod of the directory, where it gave the
    /// image's own (`chmod u+r`).</summary>
    [Fact]
    public void AnImageInADirectoryOfTheUsersOwnThatItsModeClosesIsRefusedByEveryVerbNamingTheDirectory()
    {
        string dir = Hpcrun.Script("d=$(mktemp -d) && mkdir $d/closed && cp \"$0\" $d/closed/x.sqfs && " +
            "chmod 000 $d/closed && echo $d", [images.Image]).Stdout.Trim();
        try
        {
            string closed = Path.Combine(dir, "closed");
            foreach (string[] args in new[] { ["exec", "closed/x.sqfs", "true"], ["exec", "--fakeroot",
                         "closed/x.sqfs", "true"], ["run", "closed/x.sqfs"], ["inspect", "closed/x.sqfs"],
                         ["run-help", "closed/x.sqfs"], new[] { "bench", "closed/x.sqfs", "--rounds", "3" } })
            {
                var result = Hpcrun.Run(args, cwd: dir);
                Assert.True(result.ExitCode == 66, $"{string.Join(' ', args)}: {result}");
                Assert.Equal(("", $"hpcrun: image not readable: closed/x.sqfs: the directory {closed} on its path " +
                    "cannot be entered\n"), (result.Stdout, result.Stderr));
            }
            var doctor = Hpcrun.Run(["doctor", "closed/x.sqfs"], cwd: dir);
            Assert.True(doctor.ExitCode == 75, doctor.ToString());
            Assert.Contains($"FAIL  image: image not readable: closed/x.sqfs: the directory {closed} on its path " +
                $"cannot be entered (fix: chmod u+x {closed})\n", doctor.Stdout);
            LeakCheck.AssertNothingLeft();
        }
        finally { Hpcrun.Script("chmod -R u+rwx \"$0\" && rm -rf \"$0\"", [dir]); }
    }

    [Fact]
    public void ARecipeGivenAsTheImageGetsTheCommandThatBuildsIt()
    {
        var result = Hpcrun.Script("cd \"$(mktemp -d)\" && echo 'Bootstrap: docker' > app.def && $H app.def true");
        AssertOneLineError(result, ExitCode.BadImage,
            "app.def: not an image: neither a directory nor a SquashFS or SIF file (a recipe: build it with " +
            "`hpcrun build OUT.sif app.def`)");
    }

    [Fact]
    public void TruncatedSquashFs()
    {
        string truncated = TestImages.Cached("truncated.sqfs", path =>
        {
            byte[] bytes = File.ReadAllBytes(images.Image);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        });
        AssertOneLineError(Hpcrun.Run(truncated, "true"), ExitCode.BadImage, "truncated");
    }

    [Fact]
    public void CorruptSquashFs()
    {
        string corrupt = TestImages.Cached("corrupt.sqfs", path =>
        {
            byte[] bytes = File.ReadAllBytes(images.Image);
            long inodeTable = BitConverter.ToInt64(bytes, 64);
            Array.Fill(bytes, (byte)0xA5, (int)inodeTable, (int)(bytes.Length - 4096 - inodeTable) / 2 + 64);
            File.WriteAllBytes(path, bytes);
        });
        AssertOneLineError(Hpcrun.Run(corrupt, "true"), ExitCode.BadImage, "corrupt");
    }

    /// <summary>A data block damaged after the tables, which a launch cannot find before it is read (SquashFS has no
    /// checksums): the job's read fails as on a damaged disk (busybox's exec: a bus error), and hpcrun says once which
    /// image is damaged, which the job's own failure would not.</summary>
    [Fact]
    public void ADamagedDataBlockIsNamedOnceWhenTheJobReadsIt()
    {
        string damaged = TestImages.DamagedBlockSquashFs;
        CommandResult run = Hpcrun.Run(damaged, "/bin/busybox", "true");
        Assert.NotEqual(0, run.ExitCode);
        string line = $"hpcrun: {damaged}: a block of the image does not decompress: the image is damaged";
        Assert.Contains(line, run.Stderr);
        Assert.Equal(run.Stderr.IndexOf(line, StringComparison.Ordinal),
            run.Stderr.LastIndexOf(line, StringComparison.Ordinal));
    }

    /// <summary>A damaged directory block stops the launch before the job: the damage's line is the only one and the
    /// status is the damaged image's (65), not what the damage made of the command ("true: cannot execute:
    /// Input/output error", 126) or of the root ("corrupt SquashFS image", a second line).</summary>
    [Theory]
    [InlineData(0)] // the first directory block: /data's first names, then /bin's
    [InlineData(-1)] // the last: the root directory's
    public void ADamagedDirectoryBlockIsTheDamagedImagesOneLine(int block)
    {
        string name = $"damaged-directory-{(block < 0 ? "last" : block)}.sqfs", busybox = TestImages.BusyboxTree;
        string image = TestImages.Cached(name, path =>
        {
            string tree = path + ".tree";
            TestEnvironment.RunChecked("cp", "-a", busybox, tree);
            Directory.CreateDirectory(tree + "/data");
            for (int i = 0; i < 1500; i++) File.WriteAllText($"{tree}/data/file-with-a-rather-long-name-{i}", "");
            TestImages.MakeSquashFs(tree, path);
            Directory.Delete(tree, recursive: true);
            byte[] bytes = File.ReadAllBytes(path);
            long at = BitConverter.ToInt64(bytes, 72), end = BitConverter.ToInt64(bytes, 80); // the directory table
            var starts = new List<long>();
            for (; at < end; at += 2 + (BitConverter.ToUInt16(bytes, (int)at) & 0x7FFF)) starts.Add(at);
            Assert.True(starts.Count > 2, $"{starts.Count} directory blocks");
            Array.Fill(bytes, (byte)0xA5, (int)starts[block < 0 ? ^1 : block] + 100, 64);
            File.WriteAllBytes(path, bytes);
        });

        AssertOneLineError(Hpcrun.Run(image, "true"), ExitCode.BadImage,
            $"{image}: a block of the image does not decompress: the image is damaged");
    }

    /// <summary>`build OUT.sif IMAGE` copies a SquashFS file system byte for byte, and reads every block of it as it
    /// does: a damaged data block, bare or in a SIF, is one line naming the image and the file it holds (65), and
    /// nothing is written. The damaged image was copied into a new SIF without a word.</summary>
    [Fact]
    public void ABuildOfAnImageWithADamagedDataBlockIsRefusedNamingIt()
    {
        string damaged = TestImages.DamagedBlockSquashFs;
        string dir = Path.Combine(TestImages.Dir, $"damaged-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
            string sif = Path.Combine(dir, "damaged.sif");
            Assert.Equal(0, Hpcrun.Run("-q", "build", sif, TestImages.BusyboxSquashFs).ExitCode);
            long partition = HpcRun.Image.Sif.SifFile.Read(sif).PrimarySystem!.Offset;
            using (FileStream file = File.OpenWrite(sif))
            {
                file.Position = partition + 300_000;
                file.Write(Enumerable.Repeat((byte)0xA5, 256).ToArray());
            }
            foreach (string source in new[] { damaged, sif })
                AssertOneLineError(Hpcrun.Run("-q", "build", Path.Combine(dir, "out.sif"), source), ExitCode.BadImage,
                    $"{source}: damaged SquashFS: cat: failed to read/uncompress file /bin/busybox");
            Assert.Equal([sif], Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void CommandNotFoundInTheImage() =>
        AssertOneLineError(Hpcrun.Run(images.Image, "/no/such/solver"), ExitCode.CommandNotFound,
            "/no/such/solver: command not found in the image");

    [Fact]
    public void CommandNotExecutable() =>
        AssertOneLineError(Hpcrun.Run(images.Image, "/etc/passwd"), ExitCode.CommandNotExecutable,
            "/etc/passwd: cannot execute");

    [Fact]
    public void MissingBindSource() =>
        AssertOneLineError(Hpcrun.Run("-B", "/no/such/dir:/data", images.Image, "true"), ExitCode.BindSourceNotFound,
            "/no/such/dir");

    /// <summary>A destination that would have to be created in a directory bound from the host (the
    /// home, /tmp, /dev, a user's bind) is refused: creating it would change the host.</summary>
    [Theory]
    [InlineData("{home}/hpcrun-it-newdir", "{home}")]
    [InlineData("{home}/hpcrun-it-new/deeper", "{home}")]
    [InlineData("/tmp/hpcrun-it-newdir", "/tmp")]
    [InlineData("/dev/hpcrun-it-newdir", "/dev")]
    public void BindDestinationMissingInAHostDirectory(string target, string parent)
    {
        target = target.Replace("{home}", Hpcrun.UserHome);
        var result = Hpcrun.Run("-B", $"{Hpcrun.UserHome}:{target}", images.Image, "true");
        AssertOneLineError(result, ExitCode.BindTargetUnusable,
            $"{parent.Replace("{home}", Hpcrun.UserHome)}, bound from the host");
        Assert.False(Path.Exists(target), $"{target} was created on the host");
        Assert.False(Directory.Exists(Path.Combine(Hpcrun.UserHome, "hpcrun-it-new")));
    }

    [Fact]
    public void BindDestinationOfTheOtherKind()
    {
        AssertOneLineError(Hpcrun.Run("-B", $"{Hpcrun.UserHome}:/etc/hosts", images.Image, "true"),
            ExitCode.BindTargetUnusable,
            "cannot mount a directory on /etc/hosts: it is a file");
        AssertOneLineError(Hpcrun.Run("-B", "/etc/hostname:/bin", images.Image, "true"), ExitCode.BindTargetUnusable,
            "cannot mount a file on /bin: it is a directory");
        // ... also where the destination lies in a directory bound from the host
        AssertOneLineError(Hpcrun.Run("-B", $"{Hpcrun.UserHome}:/dev/null", images.Image, "true"),
            ExitCode.BindTargetUnusable,
            "cannot mount a directory on /dev/null: it is a file");
        AssertOneLineError(Hpcrun.Run("-B", "/etc/hostname:/dev/shm", images.Image, "true"),
            ExitCode.BindTargetUnusable,
            "cannot mount a file on /dev/shm: it is a directory");
    }

    /// <summary>A destination below a file of the image (or a symlink to one) cannot be made: 76, naming the file,
    /// from -B, --mount and -H alike, also with --writable-tmpfs.</summary>
    [Theory]
    [InlineData("-B", "{src}:/bin/busybox/x", "/bin/busybox/x", "/bin/busybox")]
    [InlineData("-B", "{src}:/bin/busybox/x/y", "/bin/busybox/x/y", "/bin/busybox")]
    [InlineData("-B", "{src}:/bin/sh/x", "/bin/sh/x", "/bin/sh")] // a symlink to busybox
    [InlineData("--mount", "type=bind,src={src},dst=/bin/busybox/x", "/bin/busybox/x", "/bin/busybox")]
    [InlineData("-H", "{src}:/bin/busybox/x", "/bin/busybox/x", "/bin/busybox")]
    public void BindDestinationBelowAFile(string option, string value, string target, string file)
    {
        value = value.Replace("{src}", Hpcrun.UserHome);
        foreach (string[] more in (string[][])[[], ["--writable-tmpfs"]])
            AssertOneLineError(Hpcrun.Run([.. more, option, value, images.Image, "true"]),
                ExitCode.BindTargetUnusable, $"cannot mount on {target}: {file} is not a directory in the container");
    }

    [Fact]
    public void BindOverTheRoot() =>
        AssertOneLineError(Hpcrun.Run("-B", "/etc:/", images.Image, "true"), ExitCode.Usage,
            "cannot bind over the container's root");

    [Fact]
    public void AFifoIsNotAnImageAndDoesNotHang()
    {
        string fifo = Path.Combine(TestImages.Dir, $"fifo-{Guid.NewGuid():N}");
        TestEnvironment.RunChecked("mkfifo", "-m", "0666", fifo);
        try { AssertOneLineError(Hpcrun.Run(fifo, "true"), ExitCode.BadImage, "not an image"); }
        finally { File.Delete(fifo); }
    }

    /// <summary>A switch variable with a word that is neither on nor off is refused by every verb that may read it
    /// (HPCRUN_NO_JOIN=maybe ran as on, HPCRUN_OFFLINE=maybe and HPCRUN_INSECURE=maybe were not read at all for a
    /// local image), and so is an Apptainer switch a flag makes moot.</summary>
    [Theory]
    [InlineData("HPCRUN_NO_JOIN", "exec"), InlineData("HPCRUN_OFFLINE", "exec"), InlineData("HPCRUN_INSECURE", "exec")]
    [InlineData("HPCRUN_FAST_JOIN", "exec"), InlineData("HPCRUN_INSECURE", "build")]
    [InlineData("HPCRUN_OFFLINE", "pull"), InlineData("APPTAINER_NV", "exec")]
    public void ASwitchVariableWithAWordNeitherOnNorOffIsRefusedNamingIt(string variable, string verb)
    {
        string[] args = verb switch
        {
            "build" => ["build", "/nonexistent/x.sif", images.Image],
            "pull" => ["pull", "/nonexistent/x.sif", "docker://busybox"],
            _ => ["exec", "--gpu=none", images.Image, "true"],
        };
        string words = variable.StartsWith("APPTAINER_") ? "(1, t, true) nor off (0, f, false)"
            : "(1, true, yes, on) nor off (0, false, no, off)";
        AssertOneLineError(Hpcrun.Run(args, new Dictionary<string, string> { [variable] = "maybe" }), ExitCode.Usage,
            $"{variable}: 'maybe' is neither on {words}");
    }

    /// <summary>--version prints the version whatever comes with it, as Apptainer's does: -v, -q or --debug before
    /// it, a word after it (which said "--version needs a value", or "no image and no verb").</summary>
    [Theory]
    [InlineData("--version", "extra"), InlineData("-v", "--version"), InlineData("-q", "--version")]
    [InlineData("--debug", "--version", "-x")]
    public void VersionPrintsTheVersionWhateverComesWithIt(params string[] args)
    {
        var result = Hpcrun.Run(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^hpcrun version \d+\.\d+\.\d+\S*\n$", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public void EnvFileThatIsADirectory() =>
        AssertOneLineError(Hpcrun.Run("--env-file", "/etc", images.Image, "true"), ExitCode.BadEnvironmentFile, "/etc");

    [Fact]
    public void MalformedEnvFile()
    {
        string file = Path.Combine(TestImages.Dir, $"bad-{Guid.NewGuid():N}.env");
        File.WriteAllText(file, "GOOD=1\nnot an assignment\n");
        try
        {
            AssertOneLineError(Hpcrun.Run("--env-file", file, images.Image, "true"), ExitCode.BadEnvironmentFile,
                ":2:");
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void SquashfuseNotInstalled() =>
        // A private mount namespace where the library is an empty file: what the loader meets when it is missing.
        AssertOneLineError(AsRootInPrivateMounts("mount --bind \"$0\" " +
                "\"$(realpath /usr/lib/x86_64-linux-gnu/libsquashfuse_ll.so.0)\"", ExitCode.MissingTool),
            ExitCode.MissingTool, "install the squashfuse package");

    [Fact]
    public void ToolsBinaryMissing()
    {
        // hpcrun installed without hpcrun-tools beside it: its tool verbs cannot be handed over.
        string dir = Directory.CreateTempSubdirectory("hpcrun-alone-").FullName;
        try
        {
            File.Copy(Hpcrun.Binary, Path.Combine(dir, "hpcrun"));
            AssertOneLineError(TestEnvironment.Run(Path.Combine(dir, "hpcrun"), ["inspect", images.Image]),
                ExitCode.MissingTool, "hpcrun-tools cannot be started");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void FuseNotAccessible() =>
        // A private mount namespace where /dev/fuse is a root-only file: the real check, on a real denial.
        AssertOneLineError(AsRootInPrivateMounts("mount --bind \"$0\" /dev/fuse", ExitCode.FuseUnavailable),
            ExitCode.FuseUnavailable, "/dev/fuse");

    [Fact]
    public void UserNamespacesDisabled() =>
        AssertOneLineError(
            AsRootInPrivateMounts("echo 0 > /proc/sys/user/max_user_namespaces", ExitCode.NoUserNamespaces),
            ExitCode.NoUserNamespaces, "user namespaces are disabled");

    /// <summary>Runs hpcrun as the test user after <paramref name="setup"/> ran as root in a
    /// private mount (and, for the sysctl, user) namespace, so the rest of the machine is untouched.</summary>
    private CommandResult AsRootInPrivateMounts(string setup, ExitCode expected)
    {
        string rootOnly = Path.Combine(TestImages.Dir, $"root-only-{Guid.NewGuid():N}");
        File.WriteAllText(rootOnly, "");
        File.SetUnixFileMode(rootOnly, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            string unshare = expected == ExitCode.NoUserNamespaces
                ? "unshare --user --map-root-user --mount" : "unshare --mount";
            // In a user namespace made by root only root is mapped: hpcrun runs as that root there.
            string user = expected == ExitCode.NoUserNamespaces ? ""
                : $"setpriv --reuid {TestEnvironment.User} --regid {TestEnvironment.User} --init-groups ";
            string run = $"{user}{Hpcrun.Binary} {images.Image} true";
            return TestEnvironment.Run("sh",
                ["-c", $"{unshare} sh -c '{setup} && cd {Hpcrun.UserHome} && exec {run}' {rootOnly}"]);
        }
        finally { File.Delete(rootOnly); }
    }
}
