using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>Images holding commands that cannot start, each for its own reason: a directory, a file without execute
/// permission, a script whose #! interpreter is missing, a program whose loader is missing, a binary for another
/// machine, a script without #! (which execvp runs with /bin/sh); the same with the image's environment scripts
/// (the image's shell execs the job), and without /bin/sh.</summary>
public sealed class CommandStartImages : IDisposable
{
    private readonly string dir = Path.Combine(TestImages.Dir, $"command-start-{Guid.NewGuid():N}");

    /// <summary>The busybox tree with the commands in /opt, a runscript and a test script.</summary>
    public string Plain { get; }
    /// <summary>The same with /.singularity.d/env scripts: the image's /bin/sh runs them, then execs the job.</summary>
    public string WithScripts { get; }
    /// <summary>The same without /bin/sh.</summary>
    public string WithoutShell { get; }
    /// <summary>An empty directory, to bind over the image's.</summary>
    public string EmptyDirectory { get; }

    public CommandStartImages()
    {
        Directory.CreateDirectory(dir);
        Plain = Path.Combine(dir, "plain");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, Plain);
        Write(".singularity.d/runscript",
            "#!/bin/sh\necho \"runscript $#\"\nfor a in \"$@\"; do echo \"[$a]\"; done\n");
        Write(".singularity.d/test", "#!/bin/sh\necho tested\n");
        Write("opt/no-shebang", "echo \"no-shebang $*\"\n");
        Write("opt/bad-interpreter", "#!/no/such/interpreter -x\necho never\n");
        Write("opt/dos-script", "#!/bin/sh\r\necho never\r\n"); // saved on Windows
        Write("opt/plain", "#!/bin/sh\necho never\n", mode: "0644");
        Directory.CreateDirectory(Path.Combine(Plain, "opt", "dirs", "tool"));
        File.Copy("/bin/true", Path.Combine(Plain, "opt", "glibc-true")); // its loader: /lib64/ld-linux-x86-64.so.2
        byte[] aarch64 = new byte[64]; // an ELF header for another machine (EM_AARCH64)
        "\u007fELF\u0002\u0001\u0001"u8.ToArray().CopyTo(aarch64, 0);
        aarch64[16] = 2; // ET_EXEC
        aarch64[18] = 183;
        File.WriteAllBytes(Path.Combine(Plain, "opt", "other-machine"), aarch64);
        TestEnvironment.RunChecked("chmod", "0755", Path.Combine(Plain, "opt", "glibc-true"),
            Path.Combine(Plain, "opt", "other-machine"));
        WithScripts = Path.Combine(dir, "with-scripts");
        TestEnvironment.RunChecked("cp", "-a", Plain, WithScripts);
        Directory.CreateDirectory(Path.Combine(WithScripts, ".singularity.d", "env"));
        File.WriteAllText(Path.Combine(WithScripts, ".singularity.d", "env", "90-environment.sh"),
            "export FROM_SCRIPT=yes\n");
        WithoutShell = Path.Combine(dir, "no-shell");
        TestEnvironment.RunChecked("cp", "-a", Plain, WithoutShell);
        File.Delete(Path.Combine(WithoutShell, "bin", "sh"));
        EmptyDirectory = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);
    }

    private void Write(string path, string text, string mode = "0755")
    {
        string file = Path.Combine(Plain, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        TestEnvironment.RunChecked("chmod", mode, file);
    }

    public string this[string kind] => kind == "scripts" ? WithScripts : Plain;

    public void Dispose() => Directory.Delete(dir, true);
}

/// <summary>A command that cannot start is said in one line, in a shell's words and with its status (README, "Exit
/// status": 126 cannot be executed, 127 not found), whether hpcrun execs it or the image's shell does after the
/// environment scripts; a script without #! runs with /bin/sh, as execvp and Apptainer run it.</summary>
[Collection(ContainerCollection.Name)]
public class CommandStartTests(CommandStartImages images) : IClassFixture<CommandStartImages>
{
    public static TheoryData<string> Kinds => ["plain", "scripts"];

    private static void OneLine(CommandResult result, int status, string line)
    {
        Assert.True(result.ExitCode == status, result.ToString());
        Assert.Equal(("", $"hpcrun: {line}\n"), (result.Stdout, result.Stderr));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EachReasonIsSaidAsAShellSaysIt(string kind)
    {
        string image = images[kind];
        OneLine(Hpcrun.Run(image, ""), 127, "the command is an empty string: no command has that name");
        OneLine(Hpcrun.Run("exec", image, "", "x"), 127, "the command is an empty string: no command has that name");
        OneLine(Hpcrun.Run(image, "/opt"), 126, "/opt: cannot execute: Is a directory");
        OneLine(Hpcrun.Run(image, "/opt/plain"), 126, "/opt/plain: cannot execute: Permission denied");
        OneLine(Hpcrun.Run(image, "/opt/bad-interpreter"), 127,
            "/opt/bad-interpreter: bad interpreter: /no/such/interpreter is not in the image");
        OneLine(Hpcrun.Run("--env", "PATH=/opt:/bin", image, "bad-interpreter"), 127,
            "bad-interpreter: bad interpreter: /no/such/interpreter is not in the image");
        OneLine(Hpcrun.Run("--env", "PATH=/opt/dirs:/bin", image, "tool"), 127, "tool: command not found in the image");
    }

    /// <summary>A script saved with DOS line endings names "/bin/sh\r" as its interpreter: the carriage return is
    /// shown (raw, it would send the cursor back and the rest of the line would overwrite the name) and the line says
    /// why; a command name with control characters is shown the same way.</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void ControlCharactersAreShownAndDosLineEndingsSaid(string kind)
    {
        string image = images[kind];
        const string dos = "bad interpreter: /bin/sh\\x0D is not in the image " +
            "(the script has DOS (CRLF) line endings: convert it with dos2unix)";
        OneLine(Hpcrun.Run(image, "/opt/dos-script"), 127, $"/opt/dos-script: {dos}");
        OneLine(Hpcrun.Run("--env", "PATH=/opt:/bin", image, "dos-script"), 127, $"dos-script: {dos}");
        OneLine(Hpcrun.Run(image, "/opt/no\u001b[2Jsuch\r"), 127,
            "/opt/no\\x1B[2Jsuch\\x0D: command not found in the image");
    }

    /// <summary>What only the kernel's refusal tells: a program whose loader is not in the image, a binary for another
    /// machine. Where the image's shell would exec the job after its environment scripts, and say only "exec: line
    /// 48: ./glibc-true: not found", the program is looked at before that shell starts.</summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void AMissingLoaderAndAnotherMachinesBinaryAreNamed(string kind)
    {
        const string loader = "cannot execute: its loader /lib64/ld-linux-x86-64.so.2 is not in the image (a program " +
            "for another system?)";
        OneLine(Hpcrun.Run(images[kind], "/opt/glibc-true"), 127, $"/opt/glibc-true: {loader}");
        OneLine(Hpcrun.Run("--pwd", "/opt", images[kind], "./glibc-true", "x"), 127, $"./glibc-true: {loader}");
        OneLine(Hpcrun.Run(images[kind], "/opt/other-machine"), 126,
            "/opt/other-machine: cannot execute binary file: Exec format error (built for another machine?)");
    }

    /// <summary>A bind that hides the image's /bin/sh, which runs its environment scripts and then execs the job, is
    /// said as the job's start failing, not as "/bin/sh: command not found" for a command the user never named.
    /// </summary>
    [Fact]
    public void ABindHidingTheShellThatRunsTheScriptsIsSaid()
    {
        OneLine(Hpcrun.Run("-B", $"{images.EmptyDirectory}:/bin", images.WithScripts, "/opt/no-shebang"), 127,
            "/opt/no-shebang: cannot start: /bin/sh, the image's shell that runs its environment scripts first, is " +
            "not in the container (a bind over it?)");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AScriptWithoutAnInterpreterLineRunsWithTheShell(string kind)
    {
        var direct = Hpcrun.Run(images[kind], "/opt/no-shebang", "a", "b c");
        Assert.True(direct.ExitCode == 0, direct.ToString());
        Assert.Equal("no-shebang a b c\n", direct.Stdout);
        var searched = Hpcrun.Run("--env", "PATH=/opt:/bin", images[kind], "no-shebang", "x");
        Assert.True(searched.ExitCode == 0, searched.ToString());
        Assert.Equal("no-shebang x\n", searched.Stdout);
    }

    /// <summary>An empty string after the command, or as the runscript's argument, is only an argument.</summary>
    [Fact]
    public void AnEmptyArgumentIsNoEmptyCommand()
    {
        var run = Hpcrun.Run("run", images.Plain, "");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("runscript 1\n[]\n", run.Stdout);
        Assert.Equal("[]\n", Hpcrun.Run(images.Plain, "sh", "-c", "echo \"[$1]\"", "sh", "").Stdout);
    }

    /// <summary>Without /bin/sh, a script without #! cannot run, nor one whose #! names /bin/sh.</summary>
    [Fact]
    public void WithoutBinShAScriptCannotRunAndSaysWhy()
    {
        OneLine(Hpcrun.Run(images.WithoutShell, "/opt/no-shebang"), 126,
            "/opt/no-shebang: cannot execute: it has no #! line, and the image has no /bin/sh to run it as a script");
        OneLine(Hpcrun.Run(images.WithoutShell, "/.singularity.d/runscript"), 127,
            "/.singularity.d/runscript: bad interpreter: /bin/sh is not in the image");
    }

    /// <summary>Without /bin/sh, the image's own scripts and defaults cannot start: each says what is missing.
    /// </summary>
    [Fact]
    public void WithoutBinShEachVerbSaysTheImageHasNone()
    {
        string image = images.WithoutShell;
        OneLine(Hpcrun.Run("test", image), 127,
            "the image has no /bin/sh to run its test script (/.singularity.d/test)");
        OneLine(Hpcrun.Run("run", image, "x"), 127,
            "the image has no /bin/sh to run its runscript (/.singularity.d/runscript)");
        OneLine(Hpcrun.Run(image), 127, "the image has no /bin/sh to run its runscript (/.singularity.d/runscript)");
        OneLine(Hpcrun.Run("shell", image), 127,
            "the image has no shell: neither /bin/bash nor /bin/sh (name one with -s PATH)");
        var busybox = Hpcrun.Run(["shell", "-s", "/bin/ash", image], stdin: "echo in ash\n");
        Assert.True(busybox.ExitCode == 0 && busybox.Stdout.Contains("in ash"), busybox.ToString());
    }

    [Fact]
    public void WithoutBinShAndADefaultCommandRunSaysSo()
    {
        string image = Path.Combine(Path.GetDirectoryName(images.WithoutShell)!, "no-shell-no-runscript");
        TestEnvironment.RunChecked("cp", "-a", images.WithoutShell, image);
        File.Delete(Path.Combine(image, ".singularity.d", "runscript"));
        OneLine(Hpcrun.Run("run", image), 127, "the image has no default command: no runscript, no entrypoint or " +
            "cmd, and no /bin/sh to start instead (give a command: hpcrun exec IMAGE CMD)");
    }

    /// <summary>An executable file on a file system mounted noexec (a host directory bound in, as a site's scratch
    /// may be): the line says why. The mount lives in a mount namespace of its own, root's, that the test user's
    /// hpcrun starts in.</summary>
    [Fact]
    public void AFileOnANoexecMountSaysSo()
    {
        string mountPoint = Path.Combine(Hpcrun.UserHome, $"noexec-{Guid.NewGuid():N}");
        Directory.CreateDirectory(mountPoint);
        try
        {
            const string script = "mount -t tmpfs -o noexec,mode=0755 tmpfs \"$1\" && cp \"$2\" \"$1/busybox\" && " +
                "chmod 0755 \"$1/busybox\" && cd \"$3\" && exec setpriv --reuid \"$4\" --regid \"$4\" " +
                "--init-groups -- env -i HOME=\"$3\" PATH=/usr/bin:/bin " +
                "\"$5\" -B \"$1:/mnt/scratch\" \"$6\" /mnt/scratch/busybox true";
            CommandResult result = TestEnvironment.Run("unshare", ["-m", "--propagation", "private", "sh", "-c", script,
                "sh", mountPoint, Path.Combine(images.Plain, "bin", "busybox"), Hpcrun.UserHome, TestEnvironment.User,
                Hpcrun.Binary, images.Plain]);
            OneLine(result, 126, "/mnt/scratch/busybox: cannot execute: Permission denied (its file system is " +
                "mounted noexec)");
        }
        finally { Directory.Delete(mountPoint, true); }
    }
}
