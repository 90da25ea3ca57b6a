using System.Text.Json;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>An image with Apptainer's layout (/.singularity.d: runscript using "$@", runscript.help,
/// labels.json, env/90-environment.sh, the definition file), as a SIF built by hpcrun, a plain SquashFS and a
/// directory; each row of the README's "Apptainer → hpcrun" table.</summary>
public sealed class ApptainerImages
{
    public const string Help = "Usage: hpcrun run IMAGE ARGS...\n  Prints each argument in brackets.\n";
    public const string Deffile = "Bootstrap: localimage\nFrom: busybox.sqfs\n";

    public string Tree { get; } = MakeTree(TestImages.BusyboxTree); // resolved first: Cached's lock is not re-entrant

    private static string MakeTree(string busybox) => TestImages.Cached("acli-apptainer-v1", dir =>
    {
        TestEnvironment.RunChecked("cp", "-a", busybox, dir);
        string meta = Path.Combine(dir, ".singularity.d");
        Directory.CreateDirectory(Path.Combine(meta, "env"));
        Directory.CreateDirectory(Path.Combine(dir, "var", "tmp"));
        File.WriteAllText(Path.Combine(meta, "runscript"),
            "#!/bin/sh\necho \"$# arguments\"\nfor a in \"$@\"; do echo \"[$a]\"; done\n");
        File.SetUnixFileMode(Path.Combine(meta, "runscript"), (UnixFileMode)0b111_101_101);
        File.WriteAllText(Path.Combine(meta, "runscript.help"), Help);
        File.WriteAllText(Path.Combine(meta, "labels.json"),
            "{\n\t\"org.example.maintainer\": \"hpc team\",\n\t\"org.label-schema.schema-version\": \"1.0\"\n}");
        File.WriteAllText(Path.Combine(meta, "env", "90-environment.sh"), "#!/bin/sh\nexport GREETING=hello\n");
        File.WriteAllText(Path.Combine(meta, "env", "01-base.sh"), "#!/bin/sh\n"); // not shown by inspect
        File.WriteAllText(Path.Combine(meta, "Singularity"), Deffile);
    });

    public string SquashFs { get; }
    public string Sif { get; }

    public ApptainerImages()
    {
        string tree = Tree, hpcrun = Hpcrun.Binary;
        SquashFs = TestImages.Cached("acli-apptainer-v1.sqfs", path => TestImages.MakeSquashFs(tree, path));
        Sif = TestImages.Cached("acli-apptainer-v1.sif", path =>
            TestEnvironment.RunChecked(hpcrun, "build", path, tree));
    }

    public string this[string kind] => kind switch { "sif" => Sif, "sqfs" => SquashFs, _ => Tree };
}

[Collection(ContainerCollection.Name)]
public class ApptainerHabitsTests(ContainerFixture busybox, ApptainerImages images) : IClassFixture<ApptainerImages>
{
    public static TheoryData<string> Kinds => ["sif", "sqfs", "dir"];
    private static readonly string ApptainerBuiltSif = TestImages.ApptainerArm64Sif;

    private static string[] Lines(CommandResult result) =>
        result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static void OneLine(CommandResult result, int status, string line)
    {
        Assert.True(result.ExitCode == status, result.ToString());
        Assert.Equal($"hpcrun: {line}\n", result.Stderr);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void RunPassesArgumentsToTheRunscript(string kind)
    {
        var result = Hpcrun.Run("run", images[kind], "a", "b c", "-v");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["3 arguments", "[a]", "[b c]", "[-v]"], Lines(result));
    }

    /// <summary>-v (Apptainer's --verbose) says what the launch mounts and runs; --debug adds the details of the
    /// image's serving; without either a launch is silent.</summary>
    /// <summary>Apptainer's -q and -s before the verb: a launch's warning stays with -q and goes with -s (errors
    /// never do); a build says nothing but its warnings with -q, and nothing at all with -s.</summary>
    [Fact]
    public void Quiet_keeps_warnings_silent_keeps_only_errors()
    {
        var quiet = Hpcrun.Run("-q", "exec", "--nv", images.Sif, "true"); // no GPU here: --nv warns
        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.StartsWith("hpcrun: warning: --nv: no NVIDIA GPU", quiet.Stderr);
        var silent = Hpcrun.Run("-s", "exec", "--nv", images.Sif, "sh", "-c", "echo out");
        Assert.True(silent.ExitCode == 0 && silent.Stdout == "out\n", silent.ToString());
        Assert.Empty(silent.Stderr);
        OneLine(Hpcrun.Run("-s", "exec", images.Sif, "/no/such"), 127, "/no/such: command not found in the image");
        string output = Path.Combine(Hpcrun.UserHome, $"quiet-{Guid.NewGuid():N}.sif");
        try
        {
            var build = Hpcrun.Run("-q", "build", output, TestImages.BusyboxTree);
            Assert.True(build.ExitCode == 0 && File.Exists(output), build.ToString());
            Assert.Empty(build.Stderr); // no progress lines, no "wrote OUT"
        }
        finally { File.Delete(output); }
    }

    [Fact]
    public void VerboseSaysWhatIsMountedAndRun()
    {
        var verbose = Hpcrun.Run("-v", images.SquashFs, "true");
        Assert.True(verbose.ExitCode == 0, verbose.ToString());
        Assert.Matches(@"INF mount /proc on /proc\n", verbose.Stderr);
        Assert.Matches(@"INF run \[""true""\] in ", verbose.Stderr);
        Assert.DoesNotContain(" DBG ", verbose.Stderr);
        Assert.Contains(" DBG squashfuse keeps", Hpcrun.Run("--debug", images.SquashFs, "true").Stderr);
        Assert.Equal("", Hpcrun.Run(images.SquashFs, "true").Stderr);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void ExecAndTheBareFormRunTheCommand(string kind)
    {
        Assert.Equal(["x"], Lines(Hpcrun.Run("exec", images[kind], "echo", "x")));
        Assert.Equal(["y"], Lines(Hpcrun.Run(images[kind], "echo", "y")));
        Assert.Equal(["0 arguments"], Lines(Hpcrun.Run(images[kind])));
    }

    /// <summary>Apptainer's (cobra's) "--" before the image, for each verb that takes one and the bare form.</summary>
    [Fact]
    public void ADoubleDashBeforeTheImageEndsTheOptionsOfEachVerb()
    {
        Assert.Equal(["x"], Lines(Hpcrun.Run("exec", "-e", "--", images.Sif, "echo", "x")));
        Assert.Equal(["y"], Lines(Hpcrun.Run("-e", "--", images.Sif, "echo", "y")));
        Assert.Equal(["z"], Lines(Hpcrun.Run("exec", "--", images.Sif, "--", "echo", "z")));
        Assert.Equal(["1 arguments", "[a]"], Lines(Hpcrun.Run("run", "--", images.Sif, "a")));
        Assert.Equal(["No test script found in container, exiting"], Lines(Hpcrun.Run("test", "--", images.Sif)));
        var shell = Hpcrun.Run(["shell", "--", images.Sif], stdin: "echo in the shell\n");
        Assert.True(shell.ExitCode == 0, shell.ToString());
        Assert.Contains("in the shell", shell.Stdout);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void RunHelpPrintsTheHelp(string kind)
    {
        var result = Hpcrun.Run("run-help", images[kind]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(ApptainerImages.Help, result.Stdout);
    }

    [Fact]
    public void RunHelpWithoutHelpSaysSo()
    {
        var result = Hpcrun.Run("run-help", busybox.Image);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("No help sections were defined for this image\n", result.Stdout);
    }

    [Theory, MemberData(nameof(Kinds))]
    public void InspectShowsApptainersAttributes(string kind)
    {
        string image = images[kind];
        Assert.Equal("org.example.maintainer: hpc team\norg.label-schema.schema-version: 1.0\n",
            Hpcrun.Run("inspect", "--labels", image).Stdout);
        Assert.Equal(ApptainerImages.Help, Hpcrun.Run("inspect", "--helpfile", image).Stdout);
        Assert.Equal(ApptainerImages.Deffile, Hpcrun.Run("inspect", "--deffile", image).Stdout);
        Assert.StartsWith("#!/bin/sh\necho \"$# arguments\"", Hpcrun.Run("inspect", "--runscript", image).Stdout);
        Assert.Equal("=== /.singularity.d/env/90-environment.sh ===\n#!/bin/sh\nexport GREETING=hello\n\n",
            Hpcrun.Run("inspect", "--environment", image).Stdout);
        var json = Hpcrun.Run("inspect", "--labels", "--helpfile", "--json", image);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Stdout);
        JsonElement attributes = document.RootElement.GetProperty("data").GetProperty("attributes");
        Assert.Equal("hpc team", attributes.GetProperty("labels").GetProperty("org.example.maintainer").GetString());
        Assert.Equal(ApptainerImages.Help, attributes.GetProperty("helpfile").GetString());
        Assert.Equal("container", document.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public void InspectReadsAnApptainerBuiltSif()
    {
        string labels = Hpcrun.Run("inspect", "--labels", ApptainerBuiltSif).Stdout;
        Assert.Contains("org.label-schema.usage.singularity.version: 3.8.1\n", labels);
        Assert.Equal("BootStrap: docker\nFrom: busybox:1.33.1\n", Hpcrun.Run("inspect", "-d", ApptainerBuiltSif)
            .Stdout);
        Assert.Contains("=== /.singularity.d/env/10-docker2singularity.sh ===\n",
            Hpcrun.Run("inspect", "--environment", ApptainerBuiltSif)
            .Stdout);
        Assert.StartsWith("#!/bin/sh\nOCI_ENTRYPOINT=''", Hpcrun.Run("inspect", "--runscript", ApptainerBuiltSif)
            .Stdout);
        var json = Hpcrun.Run("inspect", "--environment", "--json", ApptainerBuiltSif);
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.True(document.RootElement.GetProperty("data").GetProperty("attributes").GetProperty("environment")
            .TryGetProperty("/.singularity.d/env/90-environment.sh", out _), json.ToString());
        var runscript = Hpcrun.Run("inspect", "--runscript", "--json", ApptainerBuiltSif).Stdout;
        Assert.Contains("OCI_ENTRYPOINT=''", runscript); // escaped as Apptainer's Go does: no \u0027
        Assert.DoesNotContain("\\u00", runscript);
        Assert.Equal("No help sections were defined for this image\n", Hpcrun.Run("run-help", ApptainerBuiltSif)
            .Stdout);
    }

    /// <summary>Plain `inspect` says in text what its JSON says: the labels `--labels` shows (sorted by key in both),
    /// the runscript; and `--runscript` shows what `hpcrun run` runs, /hpcrun-run first.</summary>
    [Fact]
    public void InspectsTextSaysWhatItsJsonSaysAndItsRunscriptIsWhatRunRuns()
    {
        var text = Hpcrun.Run("inspect", images.Sif);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("Labels:\n  org.example.maintainer=hpc team\n  org.label-schema.schema-version=1.0\n" +
            "Runscript:\n  #!/bin/sh\n  echo \"$# arguments\"\n", text.Stdout);
        using var json = JsonDocument.Parse(Hpcrun.Run("inspect", "--json", images.Sif).Stdout);
        Assert.Equal(["org.example.maintainer", "org.label-schema.schema-version"],
            json.RootElement.GetProperty("config").GetProperty("labels").EnumerateObject().Select(p => p.Name));
        // Apptainer's default document's members too, beside hpcrun's: `jq .data.attributes.labels` reads them.
        Assert.Equal("hpc team", json.RootElement.GetProperty("data").GetProperty("attributes").GetProperty("labels")
            .GetProperty("org.example.maintainer").GetString());
        Assert.Equal("container", json.RootElement.GetProperty("type").GetString());
        Assert.StartsWith("#!/bin/sh\necho \"$# arguments\"", json.RootElement.GetProperty("runscript").GetString());
        string tree = TestImages.Cached("with-runscript", dir =>
        {
            TestEnvironment.RunChecked("cp", "-a", busybox.Tree + "/.", dir);
            File.WriteAllText(Path.Combine(dir, "hpcrun-run"), "#!/bin/sh\necho runscript \"$@\"\n");
            File.SetUnixFileMode(Path.Combine(dir, "hpcrun-run"), (UnixFileMode)0b111_101_101);
        });
        var runscript = Hpcrun.Run("inspect", "--runscript", tree);
        Assert.True(runscript.ExitCode == 0, runscript.ToString());
        Assert.Equal("#!/bin/sh\necho runscript \"$@\"\n", runscript.Stdout);
    }

    [Theory]
    [InlineData("instance", "start")]
    [InlineData("sign", "x.sif")]
    [InlineData("push", "x.sif")]
    [InlineData("library://alpine:latest", "ls")]
    [InlineData("oras://ghcr.io/me/app:1", "ls")]
    [InlineData("completion", "bash")]
    public void UnsupportedVerbsGetOneLine(string word, string next)
    {
        var result = Hpcrun.Run(word, next);
        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.StartsWith($"hpcrun: '{word}' is not supported: ", result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("pull", "library://alpine:latest")]
    [InlineData("pull", "out.sif", "oras://ghcr.io/me/app:1")]
    [InlineData("build", "out.sif", "shub://me/img")]
    [InlineData("build", "out.sif", "library://alpine")]
    public void PullAndBuildGiveApptainersOtherSchemesTheSameLine(params string[] args)
    {
        var result = Hpcrun.Run(args);
        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.StartsWith($"hpcrun: '{args[^1]}' is not supported: ", result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void TyposGetASuggestionUnlessAFileHasThatName()
    {
        OneLine(Hpcrun.Run("exce", busybox.Image, "true"), 64, "unknown verb 'exce': did you mean exec?");
        OneLine(Hpcrun.Run("inspcet", busybox.Image), 64, "unknown verb 'inspcet': did you mean inspect?");
        OneLine(Hpcrun.Run("shel", busybox.Image), 64, "unknown verb 'shel': did you mean shell?");
        var result = Hpcrun.Script($"cd \"$(mktemp -d)\" && ln -s {images.SquashFs} shel && $H shel echo ran");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("ran\n", result.Stdout);
    }

    [Fact]
    public void HelpAndArgumentEdgesAreSaidInHpcrunsWords()
    {
        Assert.Equal(0, Hpcrun.Run("help", "help").ExitCode);
        OneLine(Hpcrun.Run("help", "nosuch"), 64, "unknown verb 'nosuch' (see 'hpcrun --help')");
        OneLine(Hpcrun.Run("cache", "lst"), 64, "unknown verb 'cache lst': did you mean cache list?");
        OneLine(Hpcrun.Run("cache", "clean", "--older-than"), 64,
            "--older-than needs a value (see 'hpcrun cache clean --help')");
        OneLine(Hpcrun.Run("pull"), 64, "pull needs a REFERENCE: hpcrun pull [OPTIONS] [OUT.sif] REFERENCE");
        OneLine(Hpcrun.Run("--bogus"), 64, "unknown option '--bogus' (see 'hpcrun --help')");
        OneLine(Hpcrun.Run("--bogus", busybox.Image, "true"), 64,
            "unknown option '--bogus' (see 'hpcrun exec --help')");
    }

    /// <summary>Apptainer's transport prefixes for local sources name what they say (`oci:` an OCI layout, refused
    /// otherwise, where hpcrun built a root file system of it); a Docker daemon's image gets the command that saves
    /// it.</summary>
    [Fact]
    public void BuildChecksWhatApptainersTransportPrefixesName()
    {
        string output = Path.Combine(TestImages.Dir, $"transport-{Guid.NewGuid():N}.sif");
        // `oci:` names an OCI layout, as Apptainer reads it: a root file system's directory is none.
        OneLine(Hpcrun.Run("build", output, $"oci:{TestImages.BusyboxTree}"), 65,
            $"oci:{TestImages.BusyboxTree}: not an OCI layout (it has no oci-layout file)");
        Assert.False(File.Exists(output));
        OneLine(Hpcrun.Run("build", output, "docker-daemon:app:1"), 64,
            "'docker-daemon:app:1': hpcrun reads no Docker daemon: `docker save app:1 -o image.tar`, then build " +
            "from image.tar");
    }

    /// <summary>`build OUT.sif IMAGE` from a SIF or a bare SquashFS, as Apptainer builds a SIF from either: the file
    /// system copied byte for byte (not squashed again), the image's metadata kept (definition file, labels, the
    /// runscript and environment in /.singularity.d), the build record naming the source and its file system's
    /// digest. The same source gives the same bytes.</summary>
    [Theory]
    [InlineData("sif")]
    [InlineData("sqfs")]
    public void BuildMakesASifOfASifOrASquashFsKeepingItsFileSystemAndMetadata(string kind)
    {
        string dir = WritableDirectory("from-image");
        try
        {
            string output = Path.Combine(dir, "copy.sif"), again = Path.Combine(dir, "again.sif");
            var built = Hpcrun.Run("build", output, images[kind]);
            Assert.True(built.ExitCode == 0, built.ToString());
            Assert.Equal(["2 arguments", "[a]", "[b c]"], Lines(Hpcrun.Run("run", output, "a", "b c")));
            Assert.Equal(["hello"], Lines(Hpcrun.Run(output, "sh", "-c", "echo $GREETING")));
            Assert.Equal("org.example.maintainer: hpc team\norg.label-schema.schema-version: 1.0\n",
                Hpcrun.Run("inspect", "--labels", output).Stdout);
            Assert.Equal(ApptainerImages.Deffile, Hpcrun.Run("inspect", "--deffile", output).Stdout);
            byte[] fileSystem = FileSystem(images[kind], kind == "sif"), copied = FileSystem(output, sif: true);
            Assert.True(fileSystem.AsSpan().SequenceEqual(copied), "the file system was not copied as it is");
            string digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(copied));
            Assert.Contains($"Built from:   {(kind == "sif" ? "sif" : "squashfs")} sha256:{digest} for linux/amd64 " +
                "by hpcrun ", Hpcrun.Run("inspect", output).Stdout);
            Assert.Equal(0, Hpcrun.Run("build", again, images[kind]).ExitCode);
            Assert.Equal(File.ReadAllBytes(output), File.ReadAllBytes(again));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>A SIF Apptainer built (3.8.1, arm64: it does not run here) keeps what Apptainer's inspect reads:
    /// its definition file, labels, runscript and environment, and its architecture.</summary>
    [Fact]
    public void BuildOfAnApptainerBuiltSifKeepsItsMetadata()
    {
        string dir = WritableDirectory("from-apptainer");
        try
        {
            string output = Path.Combine(dir, "copy.sif");
            var built = Hpcrun.Run("build", output, ApptainerBuiltSif);
            Assert.True(built.ExitCode == 0, built.ToString());
            Assert.Equal("BootStrap: docker\nFrom: busybox:1.33.1\n", Hpcrun.Run("inspect", "-d", output).Stdout);
            Assert.Contains("org.label-schema.usage.singularity.version: 3.8.1\n",
                Hpcrun.Run("inspect", "--labels", output).Stdout);
            Assert.StartsWith("#!/bin/sh\nOCI_ENTRYPOINT=''", Hpcrun.Run("inspect", "--runscript", output).Stdout);
            Assert.Contains("Architecture: arm64\n", Hpcrun.Run("inspect", output).Stdout);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Apptainer's `oci:DIR[:TAG]` (and `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:NAME:TAG]`): the tag
    /// picks the image, as --tag does; what is not there is the directory that is missing.</summary>
    [Fact]
    public void BuildTakesTheTagOfApptainersOciForm()
    {
        string dir = WritableDirectory("oci-tag");
        try
        {
            string layout = Path.Combine(dir, "layout"), output = Path.Combine(dir, "out.sif");
            TestEnvironment.RunChecked("umoci", "init", "--layout", layout);
            TestEnvironment.RunChecked("umoci", "new", "--image", $"{layout}:1");
            TestEnvironment.RunChecked("umoci", "new", "--image", $"{layout}:2");
            TestEnvironment.RunChecked("chmod", "-R", "a+rX", layout);
            var built = Hpcrun.Run("build", output, $"oci:{layout}:2");
            Assert.True(built.ExitCode == 0, built.ToString());
            Assert.Matches(@"Built from:   oci-layout 2 sha256:", Hpcrun.Run("inspect", output).Stdout);
            OneLine(Hpcrun.Run("build", Path.Combine(dir, "x.sif"), $"oci:{layout}:3"), 65,
                $"{layout}: no image tagged '3' (tags: 1, 2)");
            OneLine(Hpcrun.Run("build", Path.Combine(dir, "x.sif"), $"oci:{dir}/missing:1"), 66,
                $"build source not found: {dir}/missing");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>The bytes of the image's SquashFS file system: a SIF's primary partition, or the whole file.</summary>
    private static byte[] FileSystem(string image, bool sif)
    {
        byte[] bytes = File.ReadAllBytes(image);
        if (!sif) return bytes;
        var root = HpcRun.Image.Sif.SifFile.Read(image).PrimarySystem!;
        return bytes.AsSpan((int)root.Offset, (int)root.Size).ToArray();
    }

    private static string WritableDirectory(string name)
    {
        string dir = Path.Combine(TestImages.Dir, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
        return dir;
    }

    /// <summary>`cache clean` asks first, as Apptainer's (cleanCachePrompt), reading the answer from stdin as its
    /// AskYNQuestion: y or yes cleans, n, no or nothing cancels (0), another answer is 64; a stdin closed with no
    /// answer is 64, one line; -f and --dry-run ask nothing. It deleted everything without asking.</summary>
    [Fact]
    public void CacheCleanAsksBeforeItDeletesUnlessForced()
    {
        string cache = TestEnvironment.UsersOwnDirectory(Path.Combine(TestImages.Dir, $"cache-{Guid.NewGuid():N}"));
        TestEnvironment.UsersOwnDirectory(Path.Combine(cache, "sif"));
        string image = Path.Combine(cache, "sif", "0123.sif");
        File.WriteAllBytes(image, new byte[2048]);
        var env = new Dictionary<string, string> { ["HPCRUN_CACHEDIR"] = cache };
        const string Question = "This will delete the pulled images in your cache.\nHint: --dry-run says what would " +
            "be deleted; -f deletes without asking.\nDo you want to continue? [y/N] ";
        try
        {
            foreach (string answer in new[] { "n\n", "NO\n", "\n" })
            {
                var no = Hpcrun.Run(["cache", "clean", "-T", "image"], env, stdin: answer);
                Assert.Equal((0, Question + "hpcrun: cache clean canceled: nothing deleted\n", ""),
                    (no.ExitCode, no.Stderr, no.Stdout));
            }
            var other = Hpcrun.Run(["cache", "clean", "-T", "image"], env, stdin: "maybe\n");
            Assert.Equal((64, Question + "hpcrun: cache clean: 'maybe' is no answer: give y or n; nothing deleted\n"),
                (other.ExitCode, other.Stderr));
            var closed = Hpcrun.Run(["cache", "clean", "-T", "image"], env);
            Assert.Equal((64, Question + "\nhpcrun: cache clean asks before it deletes and stdin closed without an " +
                "answer: give -f to clean without asking (--dry-run says what it would delete)\n"),
                (closed.ExitCode, closed.Stderr));
            Assert.Equal("", Hpcrun.Run(["cache", "clean", "-n", "-T", "image"], env).Stderr);
            Assert.True(File.Exists(image));
            var yes = Hpcrun.Run(["cache", "clean", "-T", "image"], env, stdin: "Yes\n");
            Assert.Equal((0, Question, $"removed 1 image(s), 2.0 KiB, from {cache}\n"),
                (yes.ExitCode, yes.Stderr, yes.Stdout));
            Assert.False(File.Exists(image));
        }
        finally { Directory.Delete(cache, recursive: true); }
    }

    /// <summary>Apptainer's `cache clean --type`, `-f`, `-n/--dry-run` and `-D/--days`, and `cache list --type`; each
    /// kind says what it freed (or would).</summary>
    [Fact]
    public void CacheCleanTakesATypeAndSaysWhatItFreed()
    {
        string cache = TestEnvironment.UsersOwnDirectory(Path.Combine(TestImages.Dir, $"cache-{Guid.NewGuid():N}"));
        TestEnvironment.UsersOwnDirectory(Path.Combine(cache, "sif"));
        File.WriteAllBytes(Path.Combine(cache, "sif", "0123.sif"), new byte[2048]);
        var env = new Dictionary<string, string> { ["HPCRUN_CACHEDIR"] = cache };
        try
        {
            Assert.Contains("(tag moved) sha256:0123\n", Hpcrun.Run(["cache", "list"], env).Stdout);
            var recipe = Hpcrun.Run(["cache", "clean", "-f", "--type", "recipe"], env);
            Assert.True(recipe.ExitCode == 0, recipe.ToString());
            Assert.Equal($"removed 0 recipe build step(s), 0 B, from {cache}/recipe\n", recipe.Stdout);
            Assert.True(File.Exists(Path.Combine(cache, "sif", "0123.sif")));
            // Each kind says so, none removed.
            var none = Hpcrun.Run(["cache", "clean", "-f", "--older-than", "1d"], env);
            Assert.True(none.ExitCode == 0, none.ToString());
            Assert.Equal($"removed 0 image(s), 0 B, from {cache}\nremoved 0 recipe build step(s), 0 B, from " +
                $"{cache}/recipe\n", none.Stdout);
            // Apptainer's -n/--dry-run says and removes nothing; its -D/--days N is --older-than Nd.
            var dry = Hpcrun.Run(["cache", "clean", "-n"], env);
            Assert.True(dry.ExitCode == 0, dry.ToString());
            Assert.Equal($"would remove 1 image(s), 2.0 KiB, from {cache}\nwould remove 0 recipe build step(s), 0 B, " +
                $"from {cache}/recipe\n", dry.Stdout);
            Assert.Equal($"would remove 0 image(s), 0 B, from {cache}\n",
                Hpcrun.Run(["cache", "clean", "--dry-run", "-D", "2", "-T", "image"], env).Stdout);
            Assert.Equal($"would remove 0 image(s), 0 B, from {cache}\n", // beyond the calendar's start
                Hpcrun.Run(["cache", "clean", "-n", "--older-than", "3000000d", "-T", "image"], env).Stdout);
            Assert.True(File.Exists(Path.Combine(cache, "sif", "0123.sif")));
            Assert.Equal($"0 recipe build step(s), 0 B, in {cache}/recipe\n",
                Hpcrun.Run(["cache", "list", "-T", "recipe"], env).Stdout);
            Assert.DoesNotContain("recipe", Hpcrun.Run(["cache", "list", "--type", "image"], env).Stdout);
            var image = Hpcrun.Run(["cache", "clean", "-T", "image", "-f"], env);
            Assert.True(image.ExitCode == 0, image.ToString());
            Assert.Equal($"removed 1 image(s), 2.0 KiB, from {cache}\n", image.Stdout);
            OneLine(Hpcrun.Run(["cache", "clean", "--type", "blob"], env), 64,
                "--type blob: expected image, recipe or all");
            OneLine(Hpcrun.Run(["cache", "list", "-T", "blob"], env), 64, "--type blob: expected image, recipe or all");
            OneLine(Hpcrun.Run(["cache", "clean", "--days", "0"], env), 64,
                "--days 0: give a whole number of days above 0 (e.g. 30)");
            OneLine(Hpcrun.Run(["cache", "clean", "--days", "99999999"], env), 64,
                "--days 99999999: too large (at most 10675199 days)");
            OneLine(Hpcrun.Run(["cache", "clean", "--older-than", "99999999999d"], env), 64,
                "--older-than 99999999999d: too large (at most 10675199d)");
            OneLine(Hpcrun.Run(["cache", "clean", "-D", "1", "-D", "2"], env), 64,
                "-D takes one value, given 2: give it once (see 'hpcrun cache clean --help')");
            Assert.Equal($"would remove 0 image(s), 0 B, from {cache}\n", // an age beyond the calendar's start
                Hpcrun.Run(["cache", "clean", "-n", "--days", "100000", "-T", "image"], env).Stdout);
            OneLine(Hpcrun.Run(["cache", "clean", "--days", "3", "--older-than", "1d"], env), 64,
                "give --older-than or --days, not both");
        }
        finally { Directory.Delete(cache, recursive: true); }
    }

    [Theory, MemberData(nameof(Kinds))]
    public void ContainGivesPrivateTmpAndAnEmptyHome(string kind)
    {
        string marker = $"acli-contain-{Guid.NewGuid():N}";
        var result = Hpcrun.Run("exec", "--contain", images[kind], "sh", "-c",
            $"touch /tmp/{marker} /var/tmp/{marker} && ls -A $HOME | wc -l && pwd && echo $HOME");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["0", Hpcrun.UserHome, Hpcrun.UserHome], Lines(result));
        Assert.False(File.Exists($"/tmp/{marker}"));
        Assert.False(File.Exists($"/var/tmp/{marker}"));
    }

    /// <summary>Under --contain, /tmp, /var/tmp and /dev are hpcrun's own tmpfs: a destination any depth below them
    /// is made there, with the directories it lacks (as Apptainer does), and nothing of it on the host.</summary>
    [Fact]
    public void ContainMakesMountPointsNestedInItsOwnTmpfs()
    {
        string host = Path.Combine("/tmp", $"hpcrun-it-contain-{Guid.NewGuid():N}");
        string data = Path.Combine(host, "d1"), home = Path.Combine(host, "myhome");
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(home);
        File.WriteAllText(Path.Combine(data, "marker"), "");
        TestEnvironment.RunChecked("chmod", "-R", "a+rwX", host);
        try
        {
            var binds = Hpcrun.Run("exec", "--contain", "-B", $"{data}:/tmp/a/b", "-B", $"{data}:/var/tmp/x/y",
                "-B", data, "-B", "/etc/hostname:/dev/x/y", images.Sif, "sh", "-c",
                $"ls /tmp/a/b; ls /var/tmp/x/y; ls {data}; test -s /dev/x/y && echo dev");
            Assert.True(binds.ExitCode == 0, binds.ToString());
            Assert.Equal(["marker", "marker", "marker", "dev"], Lines(binds));
            var contained = Hpcrun.Run("exec", "-C", "--home", home, images.Sif, "sh", "-c", "echo $HOME; pwd");
            Assert.True(contained.ExitCode == 0, contained.ToString());
            Assert.Equal([home, home], Lines(contained));
            Assert.Equal([data, home], Directory.GetFileSystemEntries(host).Order());
        }
        finally { Directory.Delete(host, recursive: true); }
    }

    /// <summary>README's `--contain -H /tmp/x/home`: a home the host lacks is, under --contain, where the empty home
    /// goes (in --contain's own /tmp here), as Apptainer does; nothing of it on the host. Without --contain it is still
    /// a missing bind source (67).</summary>
    [Fact]
    public void ContainPutsTheEmptyHomeWhereAHomeTheHostLacksIsNamed()
    {
        string home = $"/tmp/hpcrun-it-home-{Guid.NewGuid():N}/home";
        var result = Hpcrun.Run("exec", "--contain", "-H", home, images.Sif, "sh", "-c",
            "echo $HOME; pwd; touch $HOME/f && ls -A $HOME");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([home, home, "f"], Lines(result));
        Assert.False(Directory.Exists(Path.GetDirectoryName(home)));
        OneLine(Hpcrun.Run("exec", "-H", home, images.Sif, "true"), 67, $"home directory does not exist: {home}");
    }

    /// <summary>Under --contain, a destination inside a directory bound from the host is still not made there (76).
    /// An image's symlink that would send the way out of hpcrun's tmpfs into one (/var/tmp -> the home, bound from
    /// the host with -H) is replaced by the tmpfs, so the destination is made in the tmpfs, not in the home.</summary>
    [Fact]
    public void ContainMakesNoMountPointInAHostDirectory()
    {
        string host = Path.Combine(TestImages.Dir, $"hpcrun-it-contain-{Guid.NewGuid():N}");
        string bound = Path.Combine(host, "bound"), image = Path.Combine(host, "image");
        Directory.CreateDirectory(bound);
        TestEnvironment.RunChecked("cp", "-a", busybox.Tree, image);
        Directory.CreateDirectory(Path.Combine(image, "home", "user")); // the link resolves: not shadowed
        Directory.CreateDirectory(Path.Combine(image, "var"));
        File.CreateSymbolicLink(Path.Combine(image, "var", "tmp"), "/home/user");
        TestEnvironment.RunChecked("chmod", "-R", "a+rwX", bound);
        try
        {
            OneLine(Hpcrun.Run("exec", "--contain", "-B", $"{bound}:/tmp/h", "-B", $"{bound}:/tmp/h/new/deeper",
                images.Sif, "true"), 76, "cannot mount on /tmp/h/new/deeper: /tmp/h, bound from the host's " +
                $"{bound}, has no new/deeper, and hpcrun does not create mount points on the host (create it there, " +
                "or choose another destination)");
            foreach (string target in new[] { "/var/tmp/new", "/var/tmp/new/deeper" })
            {
                var made = Hpcrun.Run("exec", "--contain", "-H", $"{bound}:/home/user", "-B", $"{bound}:{target}",
                    image, "sh", "-c", $"test -d {target} && test ! -e /home/user/new && echo ok");
                Assert.True(made.ExitCode == 0 && made.Stdout == "ok\n", made.ToString());
            }
            Assert.Empty(Directory.GetFileSystemEntries(bound));
        }
        finally { Directory.Delete(host, recursive: true); }
    }

    /// <summary>--contain's /dev: the minimal set, whose devices and links work (bash's process substitution and
    /// `> /dev/stderr` use the links; writing to it is not tried: the test's pipes are root's, which a plain user
    /// cannot reopen, in a container or not); the host's other devices (/dev/fuse) are not there.</summary>
    [Fact]
    public void ContainGivesAMinimalDevThatWorks()
    {
        var result = Hpcrun.Run("exec", "--contain", images.Sif, "sh", "-c",
            "echo $(ls -A /dev); head -c 4 /dev/zero | wc -c; readlink /dev/fd; readlink /dev/stderr; " +
            "cat /dev/fd/3 3</dev/null && echo fd; test -e /dev/fuse || echo no-fuse; test -d /dev/pts && echo pts");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["fd full null ptmx pts random shm stderr stdin stdout tty urandom zero", "4", "/proc/self/fd",
            "fd/2", "fd", "no-fuse", "pts"], Lines(result));
    }

    [Fact]
    public void ContainAllAlsoCleansTheEnvironment()
    {
        var result = Hpcrun.Run(["exec", "-C", images.Sif, "sh", "-c", "echo ${FROM_HOST:-unset}"],
            new Dictionary<string, string> { ["FROM_HOST"] = "set" });
        Assert.Equal(["unset"], Lines(result));
        var viaVariable = Hpcrun.Run(["exec", images.Sif, "sh", "-c", "echo ${FROM_HOST:-unset}; ls -A $HOME | wc -l"],
            new Dictionary<string, string> { ["FROM_HOST"] = "set", ["SINGULARITY_CONTAINALL"] = "1" });
        Assert.Equal(["unset", "0"], Lines(viaVariable));
    }

    /// <summary>A batch script written for Apptainer that exports APPTAINER_FAKEROOT, _WRITABLE_TMPFS and _ENV_FILE
    /// gets what their flags give: root inside, a writable root, the file's variables.</summary>
    [Fact]
    public void ApptainersFakerootWritableTmpfsAndEnvFileVariablesWorkAsTheirFlags()
    {
        string envFile = Path.Combine(TestImages.Dir, $"acli-{Guid.NewGuid():N}.env");
        File.WriteAllText(envFile, "FROM_FILE=read\n");
        File.SetUnixFileMode(envFile, (UnixFileMode)0b110_100_100);
        try
        {
            var result = Hpcrun.Run(
                ["exec", images.Sif, "sh", "-c", "id -u; touch /new && echo writable; echo $FROM_FILE"],
                new Dictionary<string, string>
                {
                    ["APPTAINER_FAKEROOT"] = "1",
                    ["SINGULARITY_WRITABLE_TMPFS"] = "true",
                    ["APPTAINER_ENV_FILE"] = envFile,
                });
            Assert.Equal(["0", "writable", "read"], Lines(result));
        }
        finally { File.Delete(envFile); }
    }

    [Fact]
    public void VarTmpIsTheHostsUnlessNoMountTmp()
    {
        string marker = $"/var/tmp/acli-{Guid.NewGuid():N}";
        File.WriteAllText(marker, "host\n");
        try
        {
            Assert.Equal(["host"], Lines(Hpcrun.Run(images.Sif, "cat", marker)));
            var left = Hpcrun.Run("--no-mount", "tmp", images.Sif, "sh", "-c", $"test -e {marker} || echo absent");
            Assert.Equal(["absent"], Lines(left));
        }
        finally { File.Delete(marker); }
    }

    [Fact]
    public void HomeNoHomeAndCwd()
    {
        string home = Hpcrun.Script("d=$(mktemp -d) && echo hi > $d/note && echo $d").Stdout.Trim();
        var bound = Hpcrun.Run("exec", "-H", $"{home}:/myhome", "--cwd", "/myhome", images.Sif, "sh", "-c",
            "echo $HOME; pwd; cat note");
        Assert.True(bound.ExitCode == 0, bound.ToString());
        Assert.Equal(["/myhome", "/myhome", "hi"], Lines(bound));
        var alone = Hpcrun.Run("exec", "-H", home, images.Sif, "sh", "-c", "echo $HOME; cat $HOME/note");
        Assert.Equal([home, "hi"], Lines(alone)); // without DST the home is at SRC, as Apptainer's
        // Outside the home: the current directory is bound, as Apptainer's --no-home says ("if /home is not the
        // current working directory").
        var none = Hpcrun.Run(["exec", "--no-home", images.Sif, "sh", "-c", "test -d $HOME || echo no home"],
            cwd: "/tmp");
        Assert.Equal(["no home"], Lines(none));
    }

    /// <summary>A HOME at a system directory is not bound over the image's own, as the current directory there is
    /// not: HOME=/etc lists the image's /etc (hpcrun's passwd in it), not the host's (its os-release).</summary>
    [Fact]
    public void AHomeAtASystemDirectoryLeavesTheImagesOwn()
    {
        var etc = Hpcrun.Run(["exec", images.Sif, "sh", "-c", "echo $HOME; ls /etc"],
            env: new Dictionary<string, string> { ["HOME"] = "/etc" }, cwd: "/tmp");
        Assert.True(etc.ExitCode == 0, etc.ToString());
        Assert.Equal("/etc", Lines(etc)[0]);
        Assert.Contains("passwd", Lines(etc));
        Assert.DoesNotContain("os-release", Lines(etc));
    }

    /// <summary>--fakeroot: the user's home at /root and HOME=/root, as Apptainer's getHomePaths has it for a
    /// root-mapped namespace, with root's passwd entry there too, also through the image's environment scripts; the
    /// current directory, also inside the home or the home itself, is bound at its own path and the job starts there,
    /// as Apptainer's createCwdDir and addCwdMount do.</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void FakeRootPutsTheHomeAtRootAndStartsInTheCurrentDirectory(string kind)
    {
        string name = $"acli-fakeroot-{Guid.NewGuid():N}", dir = $"{Hpcrun.UserHome}/{name}";
        Assert.Equal(0, Hpcrun.Script($"mkdir {dir} && echo hi > {dir}/note").ExitCode);
        try
        {
            var inside = Hpcrun.Run(["exec", "--fakeroot", images[kind], "sh", "-c",
                $"echo $HOME; pwd; cat note; cat /root/{name}/note; grep ^root: /etc/passwd | cut -d: -f6; " +
                "echo $GREETING"], cwd: dir);
            Assert.True(inside.ExitCode == 0, inside.ToString());
            Assert.Equal(["/root", dir, "hi", "hi", "/root", "hello"], Lines(inside));
            var fromHome = Hpcrun.Run("exec", "--fakeroot", images[kind], "sh", "-c", $"pwd; cat {name}/note");
            Assert.True(fromHome.ExitCode == 0, fromHome.ToString());
            Assert.Equal([Hpcrun.UserHome, "hi"], Lines(fromHome));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>A HOME given as a value for inside (--env, APPTAINERENV_HOME) is ignored with a warning, as Apptainer
    /// says "not permitted": HOME stays the home's path, /root under --fakeroot, also through the image's environment
    /// scripts, and $HOME in the other values is that one.</summary>
    [Fact]
    public void AHomeGivenAsAValueForInsideIsIgnoredWithAWarning()
    {
        var run = Hpcrun.Run(["exec", "--fakeroot", "--env", "HOME=/elsewhere", "--env", "D=$HOME/data", images.Sif,
            "sh", "-c", "echo $HOME $D; grep ^root: /etc/passwd | cut -d: -f6"], new Dictionary<string, string>
            { ["APPTAINERENV_HOME"] = "/other" });
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["/root /root/data", "/root"], Lines(run));
        Assert.Contains("warning: APPTAINERENV_HOME sets HOME: ignored, as Apptainer ignores it", run.Stderr);
        Assert.Contains("warning: --env sets HOME: ignored, as Apptainer ignores it", run.Stderr);
    }

    /// <summary>--fakeroot with --contain: an empty /root, where the job starts (Apptainer's regression test for its
    /// issue 5211); with --no-home: HOME is still /root, where nothing is bound; with -H SRC:DST: the home at DST,
    /// HOME and root's passwd entry DST, nothing at /root (Apptainer's setHome leaves an explicit home as given).
    /// </summary>
    [Fact]
    public void FakeRootWithContainNoHomeOrAnExplicitHome()
    {
        string name = $"acli-fakeroot-{Guid.NewGuid():N}";
        string home = Hpcrun.Script($"mkdir ~/{name} && d=$(mktemp -d) && echo hi > $d/note && echo $d").Stdout.Trim();
        try
        {
            var contained = Hpcrun.Run("exec", "--fakeroot", "--contain", images.Sif, "sh", "-c",
                "echo $HOME; pwd; ls -A /root | wc -l");
            Assert.True(contained.ExitCode == 0, contained.ToString());
            Assert.Equal(["/root", "/root", "0"], Lines(contained));
            var noHome = Hpcrun.Run(["exec", "--fakeroot", "--no-home", images.Sif, "sh", "-c",
                $"echo $HOME; test -e /root/{name} || echo not bound"], cwd: "/tmp");
            Assert.True(noHome.ExitCode == 0, noHome.ToString());
            Assert.Equal(["/root", "not bound"], Lines(noHome));
            var given = Hpcrun.Run("exec", "--fakeroot", "-H", $"{home}:/work", images.Sif, "sh", "-c",
                $"echo $HOME; cat /work/note; grep ^root: /etc/passwd | cut -d: -f6; test -e /root/{name} || " +
                "echo not at root");
            Assert.True(given.ExitCode == 0, given.ToString());
            Assert.Equal(["/work", "hi", "/work", "not at root"], Lines(given));
        }
        finally
        {
            Directory.Delete($"{Hpcrun.UserHome}/{name}");
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public void ARelativeHomeIsReadAgainstTheCurrentDirectoryAndAFileIsNoHome()
    {
        string dir = Hpcrun.Script("d=$(mktemp -d) && mkdir $d/myhome && echo hi > $d/myhome/note && echo $d")
            .Stdout.Trim();
        var relative = Hpcrun.Run(["exec", "--home", "myhome", images.Sif, "sh", "-c", "echo $HOME; cat $HOME/note"],
            cwd: dir);
        Assert.True(relative.ExitCode == 0, relative.ToString());
        Assert.Equal([$"{dir}/myhome", "hi"], Lines(relative)); // as `--home $PWD/myhome`, not at the user's home
        OneLine(Hpcrun.Run(["exec", "--home", "myhome/note", images.Sif, "true"], cwd: dir), 76,
            "home is not a directory: myhome/note");
        OneLine(Hpcrun.Run("exec", "--home", $"{dir}/myhome", "--no-home", images.Sif, "true"), 64,
            "--home contradicts --no-home");
        // APPTAINER_HOME is --home's value (and APPTAINER_NO_HOME --no-home's): the same refusal, naming them.
        OneLine(Hpcrun.Run(["exec", "--no-home", images.Sif, "true"],
            new Dictionary<string, string> { ["APPTAINER_HOME"] = $"{dir}/myhome" }), 64,
            "APPTAINER_HOME contradicts --no-home");
        OneLine(Hpcrun.Run(["exec", "--home", $"{dir}/myhome", "--no-mount", "home", images.Sif, "true"]), 64,
            "--home contradicts --no-mount home");
        OneLine(Hpcrun.Run(["exec", images.Sif, "true"], new Dictionary<string, string>
        {
            ["SINGULARITY_HOME"] = $"{dir}/myhome",
            ["APPTAINER_NO_HOME"] = "1",
        }), 64, "SINGULARITY_HOME contradicts APPTAINER_NO_HOME");
    }

    [Fact]
    public void MountAndApptainerBindAddBinds()
    {
        string dir = Hpcrun.Script("d=$(mktemp -d) && echo data > $d/f && echo $d").Stdout.Trim();
        var mounted = Hpcrun.Run("exec", "--mount", $"type=bind,src={dir},dst=/data,ro", images.Sif, "sh", "-c",
            "cat /data/f; touch /data/g 2>/dev/null || echo read-only");
        Assert.Equal(["data", "read-only"], Lines(mounted));
        foreach (string variable in new[] { "APPTAINER_BIND", "SINGULARITY_BIND", "SINGULARITY_BINDPATH" })
        {
            var bound = Hpcrun.Run(["exec", images.Sif, "cat", "/data/f"],
                new Dictionary<string, string> { [variable] = $"{dir}:/data" });
            Assert.True(bound.ExitCode == 0, $"{variable}: {bound}");
        }
    }

    /// <summary>Apptainer's `\,` and `\:` in a bind's path, and an option list after the destination, from -B and
    /// APPTAINER_BIND alike.</summary>
    [Fact]
    public void BindReadsApptainersEscapesAndOptionLists()
    {
        string dir = Hpcrun.Script("d=$(mktemp -d) && mkdir $d/a,b $d/c:d && echo one > $d/a,b/f && " +
            "echo two > $d/c:d/f && echo $d").Stdout.Trim();
        string binds = $@"{dir}/a\,b:/m,{dir}/c\:d:/n:rw,ro";
        const string Show = "cat /m/f /n/f; touch /n/g 2>/dev/null || echo read-only";
        Assert.Equal(["one", "two", "read-only"], Lines(Hpcrun.Run("exec", "-B", binds, images.Sif, "sh", "-c", Show)));
        var fromVariable = Hpcrun.Run(["exec", images.Sif, "sh", "-c", Show],
            new Dictionary<string, string> { ["APPTAINER_BIND"] = binds });
        Assert.Equal(["one", "two", "read-only"], Lines(fromVariable));
    }

    /// <summary>Apptainer 1.5's options of each verb hpcrun has (cmd/internal/cli: action_flags.go, build.go,
    /// pull.go, inspect.go, cache_*_linux.go; instance-only and hidden ones aside, but those a trial met): each is
    /// hpcrun's, or one line of advice, never "unknown option".</summary>
    [Theory]
    [InlineData("exec", "--add-caps --allow-setuid --app --apply-cgroups --authfile --bind -B --blkio-weight " +
        "--blkio-weight-device --cleanenv -e --compat --compat32 --contain -c --containall -C --cpu-shares --cpus " +
        "--cpuset-cpus --cpuset-mems --disable-cache --dns --docker-host --docker-login --drop-caps --env --env-file " +
        "--fakeroot -f --fusemount --home -H --hostname --ignore-subuid --ignore-userns --intel-hpu --ipc -i " +
        "--keep-privs --memory --memory-reservation --memory-swap --mount --net -n --netns-path --network " +
        "--network-args --no-env --no-eval --no-home --no-https --no-init --no-mount --no-privs --no-umask --nohttps " +
        "--nv --nvccli --oom-kill-disable --overlay -o --passphrase --pem-path --pids-limit --rocm --scratch -S " +
        "--security --unsquash --userns -u --uts --workdir -W --writable-tmpfs --writable -w --cdi-dirs --cwd " +
        "--device --no-pid --pid -p --sharens")]
    [InlineData("shell", "--shell -s")]
    [InlineData("build", "--arch --arch-variant --authfile --bind -B --build-arg --build-arg-file --buildkit-host " +
        "--compat32 --data --disable-cache --docker-host --docker-login --encrypt -e --fakeroot -f --fix-perms " +
        "--force -F --ignore-subuid --ignore-userns --json --library --mksquashfs-args --mount --no-cleanup " +
        "--no-https --notest -T --nv --nvccli --passphrase --pem-path --remote --reproducible --rocm --sandbox -s " +
        "--section --update -u --userns --warn-unused-build-args --writable-tmpfs")]
    [InlineData("pull", "--allow-unsigned -U --arch --arch-variant --authfile --dir --disable-cache --docker-host " +
        "--docker-login --force -F --library --no-cleanup --no-https --reproducible --sandbox")]
    [InlineData("inspect", "--all --app --deffile -d --environment -e --helpfile -H --json -j --labels -l " +
        "--list-apps --runscript -r --startscript -s --test -t")]
    [InlineData("cache list", "--type -T --verbose -v")]
    [InlineData("cache clean", "--type -T --days -D --dry-run -n --force -f")]
    public void EveryApptainerOptionOfTheVerbsIsTakenOrAdvised(string verb, string options)
    {
        // An empty last argument stops each command line before it does anything; the cache is a scratch one.
        var cache = new Dictionary<string, string> { ["HPCRUN_CACHEDIR"] = Path.Combine(Path.GetTempPath(), "none") };
        foreach (string option in options.Split(' '))
            Assert.DoesNotContain("unknown option",
                Hpcrun.Run([.. verb.Split(' '), option, "x.sif", ""], cache).Stderr);
    }

    [Fact]
    public void ShellTakesAShell()
    {
        var result = Hpcrun.Run(["shell", "-s", "/bin/ash", images.Sif], stdin: "echo $0\n");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["/bin/ash"], Lines(result));
    }

    /// <summary>`shell IMAGE -c "echo hi"` starts the shell, as Apptainer's does, with its warning; the shell reads its
    /// commands from stdin.</summary>
    [Fact]
    public void ShellStartsDespiteArgumentsAfterTheImageAndSaysTheyAreIgnored()
    {
        var result = Hpcrun.Run(["shell", images.Sif, "-c", "echo hi"], stdin: "echo from-stdin\n");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("from-stdin\n", result.Stdout);
        Assert.Equal("hpcrun: warning: shell ignores the arguments after the image, as Apptainer's does: to run a " +
            "command in the image's shell, hpcrun exec IMAGE /bin/sh -c 'COMMAND'\n", result.Stderr);
    }

    [Fact]
    public void NoMountRefusesWhatHpcrunNeeds() =>
        OneLine(Hpcrun.Run("exec", "--no-mount", "proc", images.Sif, "true"), 64,
            "--no-mount proc: hpcrun always binds the host's /proc, /sys and /dev (MPI and RDMA need them)");
}
