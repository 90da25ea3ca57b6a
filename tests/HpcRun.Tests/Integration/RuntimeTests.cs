using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>The published binary, run as a plain user on real SquashFS and directory images.</summary>
[Collection(ContainerCollection.Name)]
public class RuntimeTests(ContainerFixture images)
{
    private static int Id(string flag) =>
        int.Parse(TestEnvironment.RunChecked("id", flag, TestEnvironment.User).Trim());

    [Fact]
    public void RunsAsTheUserWithTheirIdentity()
    {
        var result = images.Sh("id -u; id -g; id -un; grep ^hpcrun-test: /etc/passwd | cut -d: -f6");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([$"{Id("-u")}", $"{Id("-g")}", TestEnvironment.User, Hpcrun.UserHome],
            result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Root inside, whose home is /root: the user's home is bound there and HOME is /root, as Apptainer's
    /// --fakeroot has it.</summary>
    [Fact]
    public void FakeRootIsRootInside()
    {
        string probe = $".fakeroot-probe-{Guid.NewGuid():N}";
        try
        {
            var result = images.Sh($"id -u; id -g; echo $HOME; touch /root/{probe} && stat -c %u /root/{probe}",
                "--fakeroot");
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(["0", "0", "/root", "0"], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            // ... and still the user outside: the file, made in their home, belongs to them on the host.
            Assert.Equal($"{Id("-u")}\n",
                TestEnvironment.Run("stat", ["-c", "%u", $"{Hpcrun.UserHome}/{probe}"]).Stdout);
        }
        finally { File.Delete($"{Hpcrun.UserHome}/{probe}"); }
    }

    [Fact]
    public void KeepsTheCurrentDirectoryAndHome()
    {
        string dir = $"{Hpcrun.UserHome}/work dir";
        TestEnvironment.RunChecked("setpriv", "--reuid", TestEnvironment.User, "--regid", TestEnvironment.User,
            "--init-groups", "mkdir", "-p", dir);
        File.WriteAllText($"{dir}/input.dat", "42\n");
        var result = Hpcrun.Run([images.Image, "sh", "-c", "pwd; cat input.dat; echo $HOME"], cwd: dir);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([dir, "42", Hpcrun.UserHome], result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void DirectoryImagesRunToo()
    {
        var result = Hpcrun.Run(images.Tree, "sh", "-c", "ls /bin/busybox && echo ok");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith("ok\n", result.Stdout);
    }

    [Fact]
    public void SharesTheHostNetworkPidIpcAndTmp()
    {
        string marker = $"/tmp/hpcrun-it-{Guid.NewGuid():N}";
        try
        {
            var result = images.Sh("for ns in net pid ipc uts; do readlink /proc/self/ns/$ns; done; hostname; " +
                $"echo inside > {marker}; test -d /dev/shm && echo shm");
            Assert.True(result.ExitCode == 0, result.ToString());
            string[] host = [.. new[] { "net", "pid", "ipc", "uts" }
                    .Select(ns => new FileInfo($"/proc/self/ns/{ns}").LinkTarget!),
                Environment.MachineName, "shm"];
            Assert.Equal(host, result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal("inside\n", File.ReadAllText(marker));
        }
        finally { File.Delete(marker); }
    }

    [Fact]
    public void TheImageIsReadOnlyUnlessWritableTmpfs()
    {
        // A directory image the user owns, so only the mount decides whether /bin is writable.
        string tree = TestImages.Cached("user-owned", dir =>
        {
            TestEnvironment.RunChecked("cp", "-a", images.Tree + "/.", dir);
            TestEnvironment.RunChecked("chown", "-R", $"{TestEnvironment.User}:", dir);
        });
        var readOnly = Hpcrun.Run(tree, "touch", "/bin/new");
        Assert.NotEqual(0, readOnly.ExitCode);
        Assert.Contains("Read-only file system", readOnly.Stderr);
        var writable = Hpcrun.Run("--writable-tmpfs", tree, "sh", "-c", "echo hi > /bin/new && cat /bin/new");
        Assert.True(writable.ExitCode == 0, writable.ToString());
        Assert.Equal("hi\n", writable.Stdout);
        // ... and throwaway: neither the image nor the next run sees it.
        Assert.False(File.Exists(Path.Combine(tree, "bin", "new")));
        Assert.NotEqual(0, Hpcrun.Run("--writable-tmpfs", tree, "test", "-e", "/bin/new").ExitCode);
    }

    [Fact]
    public void BindsWithModesAndMissingTargets()
    {
        string data = Path.Combine(TestImages.Dir, $"bind-{Guid.NewGuid():N}");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "in.txt"), "data\n");
        TestEnvironment.RunChecked("chmod", "-R", "a+rwX", data);
        try
        {
            var result = images.Sh("cat /scratch/in/in.txt; touch /scratch/in/x 2>/dev/null || echo ro; " +
                "touch /deep/new/path/y && echo rw; cat /etc/hostsfile",
                "-B", $"{data}:/scratch/in:ro,{data}:/deep/new/path", "--bind", "/etc/hosts:/etc/hostsfile");
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal($"data\nro\nrw\n{File.ReadAllText("/etc/hosts")}", result.Stdout);
            Assert.True(File.Exists(Path.Combine(data, "y")));
        }
        finally { Directory.Delete(data, true); }
    }

    [Fact]
    public void EnvironmentRules()
    {
        string envFile = Path.Combine(TestImages.Dir, $"env-{Guid.NewGuid():N}");
        File.WriteAllText(envFile, "# test\nFROM_FILE=file\nBOTH=file\n");
        try
        {
            var env = new Dictionary<string, string>
            {
                ["LD_LIBRARY_PATH"] = "/host/lib",
                ["HOST_VAR"] = "host",
                ["HPCRUN_ENV_INSIDE"] = "prefixed",
                ["PATH"] = "/host/only:/usr/bin:/bin",
            };
            string script = "echo LD=$LD_LIBRARY_PATH; echo PATH=$PATH; echo HOST=$HOST_VAR; echo INSIDE=$INSIDE; " +
                "echo FILE=$FROM_FILE; echo BOTH=$BOTH; echo CLI=$CLI";
            var result = Hpcrun.Run(["--env-file", envFile, "--env", "BOTH=cli", "--env", "CLI=x=y", images.Image,
                "sh", "-c", script], env);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("LD=\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOST=host\n" +
                "INSIDE=prefixed\nFILE=file\nBOTH=cli\nCLI=x=y\n", result.Stdout);
            var clean = Hpcrun.Run(["--cleanenv", images.Image, "sh", "-c", "echo HOST=$HOST_VAR HOME=$HOME"], env);
            Assert.Equal($"HOST= HOME={Hpcrun.UserHome}\n", clean.Stdout);
        }
        finally { File.Delete(envFile); }
    }

    /// <summary>The container's promises hold for a job that is root inside: a read-only bind and the
    /// read-only root cannot be remounted read-write or unmounted, and hpcrun's own view of the host
    /// (/proc/PPID/root, its descriptors, its environment) is closed to the job.</summary>
    [Theory]
    [InlineData("--fakeroot")]
    [InlineData("--writable-tmpfs")]
    public void TheJobCannotUndoReadOnlyBindsOrLookThroughHpcrun(string option)
    {
        string data = Path.Combine(TestImages.Dir, $"ro-{Guid.NewGuid():N}");
        Directory.CreateDirectory(data);
        TestEnvironment.RunChecked("chmod", "a+rwx", data);
        try
        {
            const string attempts = "export HPCRUN=$PPID; for try in 'mount -o remount,rw /data' 'umount /data' " +
                "'touch /data/x' 'mount -o remount,rw /' 'ls /proc/$HPCRUN/root/' 'ls /proc/$HPCRUN/fd/' " +
                "'cat /proc/$HPCRUN/environ'; do " +
                "if sh -c \"$try\" >/dev/null 2>&1; then echo \"allowed: $try\"; fi; done; echo checked";
            var result = images.Sh(attempts, option, "-B", $"{data}:/data:ro");
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("checked\n", result.Stdout);
            Assert.Empty(Directory.GetFileSystemEntries(data));
        }
        finally { Directory.Delete(data, recursive: true); }
    }

    [Fact]
    public void ACallerWithoutHomeOrUserStillGivesTheJobTheirs()
    {
        var result = Hpcrun.Script("exec env -i \"$H\" \"$1\" sh -c 'echo $HOME $USER $LOGNAME; pwd'",
            ["bash", images.Image]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"{Hpcrun.UserHome} {TestEnvironment.User} {TestEnvironment.User}\n{Hpcrun.UserHome}\n",
            result.Stdout);
    }

    [Fact]
    public void ADeletedCurrentDirectoryStartsTheJobInTheImagesWorkingDirectory()
    {
        var result = Hpcrun.Script("d=$(mktemp -d) && cd $d && rmdir $d && \"$H\" \"$1\" pwd", ["bash", images.Image]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("/\n", result.Stdout);
        Assert.Equal("hpcrun: warning: the current directory no longer exists (deleted?): " +
            "the job starts in the image's working directory\n",
            result.Stderr);
        // Once per job: a launcher's other ranks decide the same and say nothing.
        var rank = Hpcrun.Script("d=$(mktemp -d) && cd $d && rmdir $d && SLURM_PROCID=1 \"$H\" \"$1\" pwd",
            ["bash", images.Image]);
        Assert.True(rank.ExitCode == 0, rank.ToString());
        Assert.Equal("", rank.Stderr);
    }

    [Theory]
    [InlineData("")] // the reported case: runuser from root's home, 0700
    [InlineData("/open")] // open itself, below a directory the user cannot search
    public void ACurrentDirectoryTheUserCannotEnterStartsTheJobInTheImagesWorkingDirectory(string below)
    {
        string locked = Directory.CreateTempSubdirectory("hpcrun-locked-").FullName; // root's, 0700
        try
        {
            string cwd = locked + below;
            Directory.CreateDirectory(cwd);
            var result = Hpcrun.Run([images.Image, "pwd"], cwd: cwd);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("/\n", result.Stdout);
            Assert.Equal($"hpcrun: warning: the current directory {cwd} cannot be entered (Permission denied): " +
                "the job starts in the image's working directory\n", result.Stderr);
            // Asked for, it stays an error: the job is not started elsewhere.
            var asked = Hpcrun.Run(["-B", $"{locked}:/mnt/locked", "--pwd", "/mnt/locked", images.Image, "pwd"]);
            Assert.Equal(71, asked.ExitCode);
            Assert.Equal("hpcrun: cannot enter working directory /mnt/locked: Permission denied\n", asked.Stderr);
        }
        finally
        {
            Directory.Delete(locked, true);
        }
    }

    [Fact]
    public void APlainRunSetsNoMpiSharedMemoryVariables()
    {
        var result = images.Sh("env | grep -E '^(OMPI|UCX)_' || echo none");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("none\n", result.Stdout);
    }

    [Fact]
    public void DefaultCommandIsTheRunscriptElseShell()
    {
        string tree = TestImages.Cached("with-runscript", dir =>
        {
            TestEnvironment.RunChecked("cp", "-a", images.Tree + "/.", dir);
            File.WriteAllText(Path.Combine(dir, "hpcrun-run"), "#!/bin/sh\necho runscript \"$@\"\n");
            File.SetUnixFileMode(Path.Combine(dir, "hpcrun-run"), (UnixFileMode)0b111_101_101);
        });
        Assert.Equal("runscript\n", Hpcrun.Run(tree).Stdout);
        Assert.Equal("from-stdin\n", Hpcrun.Run([images.Image], stdin: "echo from-stdin\n").Stdout);
        Assert.Equal("via-exec\n", Hpcrun.Run("exec", tree, "echo", "via-exec").Stdout);
    }
}
