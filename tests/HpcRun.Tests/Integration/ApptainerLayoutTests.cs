using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>An image with Apptainer's layout (/.singularity.d/env scripts, a runscript using "$@"), as a
/// directory, a plain SquashFS and a SIF built by hpcrun, behaves as Apptainer documents
/// (environment_and_metadata.html): the scripts run with shell semantics, the user's values come after them.
/// </summary>
public sealed class ApptainerLayoutImages : IDisposable
{
    public const string Environment = """
        #!/bin/sh
        # as Apptainer writes %environment
        export PATH=/opt/tool/bin:$PATH
        export GREETING="${GREETING:-default greeting}"
        if [ -d /opt/tool ]; then TOOL_HOME=/opt/tool; else TOOL_HOME=missing; fi
        export TOOL_HOME
        . /opt/tool/env.sh
        export FROM_IMAGE=image
        """;

    /// <summary>Apptainer's own 99-base.sh (internal/pkg/build/sources/99-base.sh).</summary>
    public const string Base = """
        #!/bin/sh
        if [ -z "${LD_LIBRARY_PATH:-}" ]; then
            LD_LIBRARY_PATH="/.singularity.d/libs"
        else
            LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/.singularity.d/libs"
        fi
        if [ -z "${PS1:-}" ]; then
            PS1="Apptainer> "
        fi
        export LD_LIBRARY_PATH PS1
        """;

    private readonly string dir = Path.Combine(TestImages.Dir, $"apptainer-layout-{Guid.NewGuid():N}");

    public string Tree { get; }
    public string SquashFs { get; }
    public string Sif { get; }
    /// <summary>The same scripts in an image without /bin/sh.</summary>
    public string TreeWithoutShell { get; }
    /// <summary>/busybox alone, as in Docker Hub's busybox variants that were reported: no /bin/sh, no
    /// /.singularity.d.</summary>
    public string BusyboxAlone { get; }

    public ApptainerLayoutImages()
    {
        Directory.CreateDirectory(dir);
        Tree = Path.Combine(dir, "tree");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, Tree);
        Write(".singularity.d/env/01-base.sh", "#!/bin/sh\n# custom environment shell code should follow\n");
        Write(".singularity.d/env/90-environment.sh", Environment + "\n");
        Write(".singularity.d/env/99-base.sh", Base + "\n");
        Write(".singularity.d/runscript", "#!/bin/sh\nexec toolcmd \"$@\"\n", executable: true);
        Write(".singularity.d/test",
            "#!/bin/sh\necho \"test $# $TOOL_HOME\"; for a in \"$@\"; do echo \"[$a]\"; done\nexit ${TEST_EXIT:-0}\n",
            executable: true);
        Write("opt/tool/env.sh", "export SOURCED=yes\n");
        Write("opt/tool/bin/toolcmd",
            "#!/bin/sh\necho \"toolcmd $#\"; for a in \"$@\"; do echo \"[$a]\"; done; exit ${TOOL_EXIT:-0}\n",
            executable: true);
        SquashFs = Path.Combine(dir, "app.sqfs");
        TestImages.MakeSquashFs(Tree, SquashFs);
        Sif = Path.Combine(dir, "app.sif");
        TestEnvironment.RunChecked(Hpcrun.Binary, "build", Sif, Tree);
        TreeWithoutShell = Path.Combine(dir, "no-shell");
        TestEnvironment.RunChecked("cp", "-a", Tree, TreeWithoutShell);
        File.Delete(Path.Combine(TreeWithoutShell, "bin", "sh"));
        BusyboxAlone = Path.Combine(dir, "busybox-alone");
        Directory.CreateDirectory(BusyboxAlone);
        File.Copy(Path.Combine(TestImages.BusyboxTree, "bin", "busybox"), Path.Combine(BusyboxAlone, "busybox"));
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);
    }

    public string this[string kind] => kind switch { "dir" => Tree, "sqfs" => SquashFs, _ => Sif };

    private void Write(string path, string text, bool executable = false)
    {
        string file = Path.Combine(Tree, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        if (executable) File.SetUnixFileMode(file, (UnixFileMode)0b111_101_101);
    }

    public void Dispose() => Directory.Delete(dir, true);
}

[Collection(ContainerCollection.Name)]
public class ApptainerLayoutTests(ApptainerLayoutImages images) : IClassFixture<ApptainerLayoutImages>
{
    public static TheoryData<string> Kinds => new() { "dir", "sqfs", "sif" };

    private static readonly Dictionary<string, string> HostEnv = new()
    {
        ["GREETING"] = "host greeting",
        ["FROM_IMAGE"] = "host",
        ["HOST_VAR"] = "host",
        ["PS1"] = "host$ ",
    };

    private CommandResult Sh(string kind, string script, Dictionary<string, string>? env = null,
        params string[] options) =>
        Hpcrun.Run([.. options, images[kind], "sh", "-c", script], env ?? HostEnv);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheScriptsApplyWithShellSemanticsAndTheHostsValuesOnlyWhereTheImageSetsNone(string kind)
    {
        var result = Sh(kind, "echo $PATH; echo $GREETING; echo $TOOL_HOME $SOURCED $FROM_IMAGE $HOST_VAR; " +
            "echo $LD_LIBRARY_PATH; echo \"$PS1\"; command -v toolcmd");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["/opt/tool/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "default greeting", "/opt/tool yes image host", "/.singularity.d/libs", "hpcrun> ",
            "/opt/tool/bin/toolcmd"], Lines(result));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheRunscriptGetsItsArgumentsExactlyAndItsStatusComesBack(string kind)
    {
        var result = Hpcrun.Run([images[kind], "/.singularity.d/runscript", "a b", "$HOME", "", "'q'"],
            new Dictionary<string, string> { ["APPTAINERENV_TOOL_EXIT"] = "7" });
        Assert.Equal(7, result.ExitCode);
        Assert.Equal(["toolcmd 4", "[a b]", "[$HOME]", "[]", "['q']"], Lines(result));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheTestScriptRunsWithItsArgumentsAndItsStatusComesBack(string kind)
    {
        var result = Hpcrun.Run(["test", images[kind], "a b", "-v"],
            new Dictionary<string, string> { ["APPTAINERENV_TEST_EXIT"] = "5" });
        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Equal(["test 2 /opt/tool", "[a b]", "[-v]"], Lines(result));
    }

    [Fact]
    public void WithoutATestScriptTestSaysSoAndSucceeds()
    {
        var result = Hpcrun.Run("test", TestImages.BusyboxSquashFs);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("No test script found in container, exiting\n", result.Stdout);
    }

    [Fact]
    public void WithoutATestScriptTestSucceedsWithoutAShellToo()
    {
        var result = Hpcrun.Run("test", images.BusyboxAlone, "arg");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(("No test script found in container, exiting\n", ""), (result.Stdout, result.Stderr));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("3")]
    public void TheJobIsTheProcessHpcrunStartedNoShellIsLeftBetween(string? shellLevel)
    {
        var env = new Dictionary<string, string>(HostEnv);
        if (shellLevel is not null) env["SHLVL"] = shellLevel;
        const string script = "cat /proc/$PPID/comm; echo $SHLVL";
        var wrapped = Hpcrun.Run([images.SquashFs, "sh", "-c", script], env);
        Assert.True(wrapped.ExitCode == 0, wrapped.ToString());
        Assert.Equal("hpcrun", Lines(wrapped)[0]);
        Assert.Equal(Hpcrun.Run([TestImages.BusyboxSquashFs, "sh", "-c", script], env).Stdout, wrapped.Stdout);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheUsersValuesComeAfterTheScriptsAndExpandAgainstThem(string kind)
    {
        var env = new Dictionary<string, string>(HostEnv)
        {
            ["SINGULARITYENV_GREETING"] = "legacy",
            ["APPTAINERENV_GREETING"] = "apptainer",
            ["SINGULARITYENV_ONLY"] = "legacy only",
            ["APPTAINERENV_APPEND_PATH"] = "/appended",
        };
        var result = Sh(kind, "echo $PATH; echo $GREETING; echo $ONLY; echo $A $B; echo \"$LIT\"; echo \"$LIST\"; " +
            "echo $FROM_HOST_VAR; echo carried $(env | grep -c ^HPCRUN_ENVSCRIPT_)", env,
            "--env", "PATH=/opt/x/bin:$PATH", "--env", "A=1,B=${TOOL_HOME}", "--env", "LIT=\\$HOME \\\\",
            "--env", "LIST=a,b", "--env", "FROM_HOST_VAR=$HOST_VAR");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["/opt/x/bin:/opt/tool/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "apptainer", "legacy only", "1 /opt/tool", "$HOME \\", "a,b", "host", "carried 0"], Lines(result));
        var appended = Sh(kind, "echo $PATH", env);
        Assert.Equal("/opt/tool/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/appended",
            Lines(appended)[0]);
    }

    /// <summary>The shell that runs the scripts does not speak for hpcrun: a command it cannot exec gets hpcrun's
    /// line and status, as in images without scripts, and one that looks like an option is a command.</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void ACommandThatCannotRunGetsHpcrunsLineAndStatus(string kind)
    {
        foreach (var (command, status, line) in new[]
                 {
                     ("nosuchcmd", 127, "hpcrun: nosuchcmd: command not found in the image"),
                     ("--env", 127, "hpcrun: --env: command not found in the image"),
                     ("/etc/passwd", 126, "hpcrun: /etc/passwd: cannot execute: Permission denied"),
                 })
        {
            CommandResult result = Hpcrun.Run([images[kind], command], HostEnv);
            Assert.True(result.ExitCode == status, result.ToString());
            Assert.Equal(line + "\n", result.Stderr);
        }
    }

    [Fact]
    public void EnvFileValuesExpandAgainstTheContainerUnlessSingleQuoted()
    {
        string file = Path.Combine(TestImages.Dir, $"env-{Guid.NewGuid():N}");
        File.WriteAllText(file, "TOOL_PATH=$TOOL_HOME/bin\nRAW='$TOOL_HOME'\n");
        TestEnvironment.RunChecked("chmod", "a+r", file);
        try
        {
            var result = Sh("sif", "echo $TOOL_PATH \"$RAW\"", null, "--env-file", file);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("/opt/tool/bin $TOOL_HOME\n", result.Stdout);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void EnvFileIsReadByTheShellsRulesForCommentsAndQuotes()
    {
        string file = Path.Combine(TestImages.Dir, $"env-{Guid.NewGuid():N}");
        File.WriteAllText(file, "A=1 # comment\nE=\"a\\\"b\"\nJ=\"x\"'y'z\n");
        TestEnvironment.RunChecked("chmod", "a+r", file);
        try
        {
            var result = Sh("sif", "echo \"[$A] [$E] [$J]\"", null, "--env-file", file);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("[1] [a\"b] [xyz]\n", result.Stdout); // as Apptainer's shell reads the file
            File.WriteAllText(file, "A=1\nB=2 echo x\n");
            var command = Sh("sif", "true", null, "--env-file", file);
            Assert.True(command.ExitCode == 73, command.ToString());
            Assert.Equal($"hpcrun: {file}:2: expected NAME=VALUE, got 'B=2 echo x'\n", command.Stderr);
        }
        finally { File.Delete(file); }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ContainerVariablesNameTheImageByItsAbsolutePathAlsoWhenTypedRelative(string kind)
    {
        string image = images[kind];
        var result = Hpcrun.Run(["./" + Path.GetFileName(image), "sh", "-c",
                "echo $APPTAINER_CONTAINER; echo $SINGULARITY_CONTAINER; echo $HPCRUN_CONTAINER; " +
                "echo $APPTAINER_NAME $SINGULARITY_NAME"],
            cwd: Path.GetDirectoryName(image));
        Assert.True(result.ExitCode == 0, result.ToString());
        string name = Path.GetFileName(image);
        Assert.Equal([image, image, image, $"{name} {name}"], Lines(result));
    }

    [Fact]
    public void ContainerVariablesNameAnImageReachedThroughASymlinkByTheLink()
    {
        string image = images["sif"];
        string dir = Directory.CreateTempSubdirectory("hpcrun-link-").FullName, link = Path.Combine(dir, "link.img");
        try
        {
            File.CreateSymbolicLink(link, image);
            TestEnvironment.RunChecked("chmod", "755", dir);
            var result = Hpcrun.Run(["link.img", "sh", "-c", "echo $APPTAINER_CONTAINER $APPTAINER_NAME"], cwd: dir);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal([$"{link} link.img"], Lines(result));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void WithoutAShellThePlainExportsApplyAndAWarningSaysSo()
    {
        var result = Hpcrun.Run([images.TreeWithoutShell, "/bin/busybox", "env"], HostEnv);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("FROM_IMAGE=image\n", result.Stdout);
        Assert.Contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n", result.Stdout);
        Assert.Contains("no /bin/sh to run them", result.Stderr);
    }

    [Fact]
    public void ImagesWithoutScriptsKeepTheirCommandAsItWasAndExpandEnvValuesToo()
    {
        var result = Hpcrun.Run(["--env", "PATH=/opt/x/bin:$PATH", "--env", "P=$PS1", TestImages.BusyboxSquashFs,
            "sh", "-c", "echo $PATH; echo \"$P\"; cat /proc/$PPID/comm"], HostEnv);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["/opt/x/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "hpcrun> ",
            "hpcrun"], Lines(result));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheShellShowsThePromptOfTheContainerNotTheHostsExportedOne(bool apptainerLayout)
    {
        using var terminal = new JobControlTests.Terminal();
        terminal.Type("export PS1\n");
        terminal.Expect(JobControlTests.Prompt);
        terminal.Type($"{Hpcrun.Binary} shell {(apptainerLayout ? images.Sif : TestImages.BusyboxSquashFs)}\n");
        terminal.Expect("hpcrun> ");
        terminal.Type("echo in\"\"side $APPTAINER_NAME\n");
        terminal.Expect("inside ");
        terminal.Expect("hpcrun> ");
        terminal.Type("exit\n");
        terminal.Expect(JobControlTests.Prompt);
    }

    private static string[] Lines(CommandResult result) => result.Stdout.TrimEnd('\n').Split('\n');
}
