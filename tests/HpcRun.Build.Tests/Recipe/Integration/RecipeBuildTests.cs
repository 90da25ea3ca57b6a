using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>`hpcrun build OUT Dockerfile|X.def` as the unprivileged test user: RUN as root with root emulated, in a
/// plain writable tree, the build cache, COPY's context rules, the Apptainer layout of a definition file.</summary>
public sealed class RecipeBuildTests : IDisposable
{
    private readonly string dir = WritableDir();
    private readonly Dictionary<string, string> env;

    public RecipeBuildTests() => env = new() { ["HPCRUN_CACHEDIR"] = Path.Combine(dir, "cache") };

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    private string Write(string name, string text)
    {
        string path = Path.Combine(dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.Replace("\r\n", "\n"));
        TestEnvironment.OpenAllButTheCache(dir);
        return path;
    }

    private CommandResult Build(params string[] args) =>
        Hpcrun.Run(["build", .. args], env, cwd: dir);

    private static string WritableDir()
    {
        string path = Path.Combine(TestImages.Dir, $"recipe-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        return path;
    }

    /// <summary>Nothing but what the test wrote and OUT: no scratch tree, no temporary file.</summary>
    private void AssertNoScratch() =>
        Assert.DoesNotContain(Directory.GetFileSystemEntries(dir), e => Path.GetFileName(e).StartsWith(".hpcrun"));

    [Fact]
    [Trait("Category", "Network")]
    public void Apt_get_installs_numpy_as_a_plain_user_and_a_later_run_uses_it()
    {
        string debian = TestImages.DebianMinbaseTree;
        Write("Dockerfile", $"""
            FROM {debian}
            ENV DEBIAN_FRONTEND=noninteractive
            RUN apt-get update && apt-get install -y --no-install-recommends python3-numpy
            RUN python3 -c "import numpy; print('sum', numpy.arange(5).sum())" > /numpy.txt
            CMD ["cat", "/numpy.txt"]
            """);
        var build = Build("numpy.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Matches(@"\[3/5\] done in \d+\.\d s", build.Stderr);
        var run = Hpcrun.Run([Path.Combine(dir, "numpy.sif")], env);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("sum 10\n", run.Stdout);
        var python = Hpcrun.Run([Path.Combine(dir, "numpy.sif"), "python3", "-c",
            "import numpy; print(numpy.__version__ > '1')"], env);
        Assert.Equal("True\n", python.Stdout);
        AssertNoScratch();
    }

    [Fact]
    [Trait("Category", "Network")]
    public void A_multi_stage_build_compiles_with_gcc_and_keeps_only_the_binary()
    {
        string debian = TestImages.DebianMinbaseTree;
        Write("hello.c", "#include <stdio.h>\nint main(void) { puts(\"hello from gcc\"); return 0; }\n");
        Write("Dockerfile", $"""
            FROM {debian} AS build
            RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev
            COPY hello.c /src/
            RUN gcc -O2 -static -o /src/hello /src/hello.c
            FROM {TestImages.BusyboxTree}
            COPY --from=build /src/hello /usr/local/bin/hello
            CMD ["/usr/local/bin/hello"]
            """);
        var build = Build("hello.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        string sif = Path.Combine(dir, "hello.sif");
        Assert.Equal("hello from gcc\n", Hpcrun.Run([sif], env).Stdout);
        Assert.NotEqual(0, Hpcrun.Run([sif, "test", "-e", "/usr/bin/gcc"], env).ExitCode);
        Assert.NotEqual(0, Hpcrun.Run([sif, "test", "-e", "/src/hello.c"], env).ExitCode);
    }

    [Fact]
    public void Editing_the_last_run_reruns_only_it_and_no_cache_reruns_all()
    {
        string recipe = $"""
            FROM {TestImages.BusyboxTree}
            RUN echo one > /one
            ENV WORD=two
            RUN echo $WORD > /two
            """;
        Write("Dockerfile", recipe);
        var first = Build("a.sif", "Dockerfile");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("[2/4] done in", first.Stderr);
        Write("Dockerfile", recipe.Replace("echo $WORD", "echo changed $WORD"));
        var second = Build("b.sif", "Dockerfile");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("[1/4] cached", second.Stderr);
        Assert.Contains("[2/4] cached", second.Stderr);
        Assert.Contains("[4/4] done in", second.Stderr);
        Assert.Equal("one\nchanged two\n", Hpcrun.Run([Path.Combine(dir, "b.sif"), "cat", "/one", "/two"], env).Stdout);
        var again = Build("--no-cache", "c.sif", "Dockerfile");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("cached", again.Stderr);
        var apptainers = Hpcrun.Run(["build", "c2.sif", "Dockerfile"],
            new Dictionary<string, string>(env) { ["APPTAINER_DISABLE_CACHE"] = "true" }, cwd: dir);
        Assert.True(apptainers.ExitCode == 0, apptainers.ToString()); // Apptainer's variable of --disable-cache
        Assert.DoesNotContain("cached", apptainers.Stderr);
        Write("Dockerfile", recipe.Replace("echo one", "echo first"));
        var first_edited = Build("d.sif", "Dockerfile"); // its FROM's tree read again from the base
        Assert.True(first_edited.ExitCode == 0, first_edited.ToString());
        Assert.Contains("[1/4] cached", first_edited.Stderr);
        Assert.Contains("[2/4] done in", first_edited.Stderr);
        Assert.Contains("[4/4] done in", first_edited.Stderr);
        Assert.Equal("first\ntwo\n", Hpcrun.Run([Path.Combine(dir, "d.sif"), "cat", "/one", "/two"], env).Stdout);
    }

    [Fact]
    public void Proxies_reach_run_from_the_environment_and_stay_out_of_arguments_cache_keys_and_the_image()
    {
        string token = $"s3cr3t{Guid.NewGuid():N}"[..20], pattern = $"s3cr3[t]{token[6..]}"; // grep never finds itself
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            RUN case "$http_proxy" in http://user:{pattern}@127.0.0.1:9/) ;; *) exit 1 ;; esac && \
                test "$HTTPS_PROXY" = http://arg:1/ && test -z "$(grep -ls '{pattern}' /proc/[0-9]*/cmdline)" && \
                touch /ran
            """);
        var proxied = new Dictionary<string, string>(env) { ["http_proxy"] = $"http://user:{token}@127.0.0.1:9/" };
        var build = Hpcrun.Run(["build", "--build-arg", "HTTPS_PROXY=http://arg:1/", "p.sif", "Dockerfile"], proxied,
            cwd: dir);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotContain("not used by the recipe", build.Stderr); // a predefined ARG, as Docker has it
        proxied["http_proxy"] = "http://another:3128/";
        var again = Hpcrun.Run(["build", "--build-arg", "HTTPS_PROXY=http://changed:1/", "q.sif", "Dockerfile"],
            proxied, cwd: dir);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("[2/2] cached", again.Stderr);
        var inside = Hpcrun.Run(["exec", "--cleanenv", Path.Combine(dir, "p.sif"), "sh", "-c", "ls /ran && env"], env);
        Assert.True(inside.ExitCode == 0, inside.ToString());
        Assert.DoesNotContain("proxy", inside.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(token, File.ReadAllText(Path.Combine(dir, "p.sif")));
    }

    [Fact]
    public void The_same_recipe_and_cache_give_the_same_bytes()
    {
        Write("data.txt", "some data\n");
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            COPY data.txt /opt/
            RUN echo one > /one && mkdir -p /var/made
            LABEL purpose=reproducible
            """);
        Write("tool.def", $"""
            Bootstrap: localimage
            From: {TestImages.BusyboxTree}

            %post
                echo built > /built

            %runscript
                cat /built
            """);
        foreach ((string recipe, string first, string second, string runCached) in new[]
            { ("Dockerfile", "a.sif", "b.sif", "[3/4] cached"), ("tool.def", "c.sif", "d.sif", "[2/2] cached") })
        {
            var cold = Build(first, recipe);
            Assert.True(cold.ExitCode == 0, cold.ToString());
            Thread.Sleep(TimeSpan.FromSeconds(1.1)); // a time written at build time would differ
            var warm = Build(second, recipe);
            Assert.True(warm.ExitCode == 0, warm.ToString());
            Assert.Contains(runCached, warm.Stderr);
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, first)), File.ReadAllBytes(Path.Combine(dir, second)));
        }
        Assert.Equal("built\n", Hpcrun.Run(["run", Path.Combine(dir, "d.sif")], env).Stdout);
    }

    [Fact]
    public void No_cache_builds_give_the_same_bytes_with_source_date_epoch()
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo one > /one && mkdir -p /var/made\n");
        var epoch = new Dictionary<string, string>(env) { ["SOURCE_DATE_EPOCH"] = "1700000000" };
        var first = Hpcrun.Run(["build", "--no-cache", "a.sif", "Dockerfile"], epoch, cwd: dir);
        Assert.True(first.ExitCode == 0, first.ToString());
        Thread.Sleep(TimeSpan.FromSeconds(1.1)); // the RUN's files get a later time
        var second = Hpcrun.Run(["build", "--no-cache", "b.sif", "Dockerfile"], epoch, cwd: dir);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a.sif")), File.ReadAllBytes(Path.Combine(dir, "b.sif")));
    }

    [Fact]
    public void Inspect_shows_the_labels_environment_and_runscript_a_dockerfile_gave()
    {
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            LABEL org.example.purpose="inspect test"
            ENV GREETING=hello
            ENTRYPOINT ["echo", "it's"]
            CMD ["fine"]
            """);
        var build = Build("labels.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        string sif = Path.Combine(dir, "labels.sif");
        Assert.Contains("org.example.purpose: inspect test\n", Hpcrun.Run(["inspect", "--labels", sif], env).Stdout);
        Assert.Contains("=== /.singularity.d/env/10-docker2singularity.sh ===\n#!/bin/sh\n" + // the default PATH of a
            "export PATH=\"${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}\"\n" + // base without
            "export GREETING=\"${GREETING:-hello}\"\n", Hpcrun.Run(["inspect", "--environment", sif], env).Stdout);
        string runscript = Hpcrun.Run(["inspect", "--runscript", sif], env).Stdout;
        const string words = "echo 'it'\\''s'";
        Assert.Equal($"#!/bin/sh\nif [ $# -gt 0 ]; then exec {words} \"$@\"; fi\nexec {words} fine\n", runscript);
        Assert.Equal("it's fine\n", Hpcrun.Run(["run", sif], env).Stdout);
        Assert.Equal("it's fine\n", TestEnvironment.RunChecked("sh", "-c", runscript));
    }

    /// <summary>`hpcrun build OUT CONTEXT` by Docker's habit is refused with the command that builds the recipe,
    /// not made into an image of the context's files; so is `build CONTEXT` alone (it said only "build needs
    /// SOURCE"), and Docker's `build -t NAME CONTEXT` says that hpcrun names the file instead.</summary>
    [Fact]
    public void A_build_context_given_as_source_is_refused_with_the_recipe_to_build()
    {
        Write("ctx/Dockerfile", $"FROM {TestImages.BusyboxTree}\n");
        Write("ctx/app.py", "print('hi')\n");
        var build = Build("out.sif", "ctx");
        Assert.Equal(64, build.ExitCode);
        Assert.Equal("hpcrun: ctx is a build context, not a root file system: hpcrun build [OPTIONS] out.sif " +
            "ctx/Dockerfile\n", build.Stderr);
        var alone = Build("ctx");
        Assert.Equal((64, "hpcrun: build needs OUT before the build context ctx: hpcrun build [OPTIONS] OUT.sif " +
            "ctx/Dockerfile\n"), (alone.ExitCode, alone.Stderr));
        var tagged = Build("-t", "myimg", "ctx");
        Assert.Equal((64, "hpcrun: '-t' is not supported: hpcrun names an image by the file it writes, not by a " +
            "tag: hpcrun build NAME.sif Dockerfile (for docker build -t NAME .)\n"), (tagged.ExitCode, tagged.Stderr));
        Assert.False(File.Exists(Path.Combine(dir, "out.sif")));
        AssertNoScratch();
    }

    [Fact]
    public void A_failing_run_stops_the_build_with_its_status_and_line_and_writes_nothing()
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN true\nRUN exit 3\nRUN touch /never\n");
        var build = Build("out.sif", "Dockerfile");
        Assert.Equal(110, build.ExitCode);
        Assert.Contains("hpcrun: RUN at line 3 failed with exit status 3", build.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "out.sif")));
        AssertNoScratch();
    }

    /// <summary>A RUN, %post or %test that a signal killed (`kill -9 $$`, the OOM killer's SIGKILL) fails the build
    /// as a failing one does (110), its line and the signal said; not 128+N, the status of a build itself stopped by a
    /// signal. A command that exits with 137 itself is an exit status still.</summary>
    [Theory]
    [InlineData("Dockerfile", "FROM {0}\nRUN true\nRUN kill -9 $$\n", "RUN at line 3 was killed by signal 9 (SIGKILL)")]
    [InlineData("Dockerfile", "FROM {0}\nRUN kill -SEGV $$\n", "RUN at line 2 was killed by signal 11 (SIGSEGV)")]
    [InlineData("Dockerfile", "FROM {0}\nRUN exit 137\n", "RUN at line 2 failed with exit status 137")]
    [InlineData("p.def", "Bootstrap: localimage\nFrom: {0}\n%post\n    kill -TERM $$\n",
        "%post at line 3 was killed by signal 15 (SIGTERM)")]
    [InlineData("t.def", "Bootstrap: localimage\nFrom: {0}\n%test\n    kill -KILL $$\n",
        "%test at line 3 was killed by signal 9 (SIGKILL)")]
    public void A_step_killed_by_a_signal_fails_with_110_naming_its_line_and_the_signal(string name, string recipe,
        string says)
    {
        Write(name, string.Format(CultureInfo.InvariantCulture, recipe, TestImages.BusyboxTree));
        var build = Build("k.sif", name);
        Assert.Equal(110, build.ExitCode);
        Assert.EndsWith($"\nhpcrun: {says}\n", build.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "k.sif")));
        AssertNoScratch();
    }

    /// <summary>A %files glob with several matches onto a destination that is not a directory (none there, no
    /// trailing `/`) lands as Apptainer's `cp -fLr MATCH DEST` per match, in sorted order, leaves it: files, the last
    /// one as DEST; a first directory as DEST, the other matches in it by name; a directory after a file, or onto a
    /// file of the image, refused (112) as cp refuses it.</summary>
    [Theory]
    [InlineData("%files\n    m/*.txt /opt/new\n", "/opt/new: zed")]
    [InlineData("%files\n    m/d* /opt/new\n", "/opt/new/d2/y: y\n/opt/new/x: x")]
    [InlineData("%files\n    n/* /opt/new\n", "/opt/new/d2/y: y\n/opt/new/x: x\n/opt/new/z.txt: zed")]
    [InlineData("%files\n    m/* /opt/new\n",
        "%files at line 4: cannot copy the directory m/d1 onto /opt/new, a file m/a.txt made (Apptainer copies each " +
        "match in turn)")]
    [InlineData("%files\n    m/a.txt /opt/new\n    m/d* /opt/new\n",
        "%files at line 5: cannot copy the directory m/d1 onto /opt/new, a file in the image")]
    public void Files_with_several_matches_onto_no_directory_land_as_apptainers_cp_per_match(string files,
        string result)
    {
        Write("m/a.txt", "one\n");
        Write("m/b.txt", "two\n");
        Write("m/d1/x", "x\n");
        Write("m/d2/y", "y\n");
        Write("m/z.txt", "zed\n");
        foreach (string name in new[] { "d1/x", "d2/y", "z.txt" })
            Write($"n/{name}", File.ReadAllText(Path.Combine(dir, "m", name)));
        Write("g.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n{files}");
        var build = Build("g.sif", "g.def");
        if (result.StartsWith('%'))
        {
            Assert.Equal(112, build.ExitCode);
            Assert.EndsWith($"\nhpcrun: {result}\n", build.Stderr);
            Assert.False(File.Exists(Path.Combine(dir, "g.sif")));
        }
        else
        {
            Assert.True(build.ExitCode == 0, build.ToString());
            Assert.Equal(result + "\n", Hpcrun.Run(["exec", Path.Combine(dir, "g.sif"), "sh", "-c",
                "for f in $(find /opt/new -type f | sort); do echo \"$f: $(cat $f)\"; done"], env).Stdout);
        }
        AssertNoScratch();
    }

    /// <summary>A definition file's bytes that are not UTF-8 (a Latin-1 é in a comment, in %help, in %runscript) are
    /// the image's as they are, as Apptainer copies the file: the SIF's definition file, /.singularity.d/Singularity,
    /// the help and the runscript give them back byte for byte (they were U+FFFD's three bytes).</summary>
    [Fact]
    public void A_definition_files_bytes_that_are_not_utf8_are_kept_byte_for_byte()
    {
        byte[] definition = [.. System.Text.Encoding.ASCII.GetBytes($"Bootstrap: localimage\nFrom: " +
            $"{TestImages.BusyboxTree}\n# caf"), 0xE9, .. "\n%help\n    Caf"u8, 0xE9, 0xFF,
            .. "\n%runscript\n    echo "u8, 0xE9, .. "\n"u8];
        File.WriteAllBytes(Path.Combine(dir, "l.def"), definition);
        TestEnvironment.OpenAllButTheCache(dir);
        var build = Build("l.sif", "l.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        var shown = Hpcrun.Script("cd \"$0\" && $H inspect --deffile l.sif > deffile && $H exec l.sif cat " +
            "/.singularity.d/Singularity > inside && $H run-help l.sif > help && $H run l.sif > run", [dir], env);
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Equal(definition, File.ReadAllBytes(Path.Combine(dir, "deffile")));
        Assert.Equal(definition, File.ReadAllBytes(Path.Combine(dir, "inside")));
        Assert.Equal([.. "    Caf"u8, 0xE9, 0xFF, .. "\n"u8], File.ReadAllBytes(Path.Combine(dir, "help")));
        Assert.Equal([0xE9, .. "\n"u8], File.ReadAllBytes(Path.Combine(dir, "run")));
    }

    /// <summary>A COPY or %files below a file of the image (`COPY a /bin/busybox/x`; /bin/sh, a symlink to it) is
    /// refused at its line, as BuildKit's copy and Apptainer's cp refuse it: applied as a layer, it replaced
    /// /bin/busybox with a directory and broke every command of the image.</summary>
    [Theory]
    [InlineData("Dockerfile", "FROM {0}\nCOPY a /bin/busybox/x\n", "COPY at line 2: cannot write below /bin/busybox")]
    [InlineData("Dockerfile", "FROM {0}\nCOPY d /bin/sh/deep/\n", "COPY at line 2: cannot write below /bin/sh")]
    [InlineData("x.def", "Bootstrap: localimage\nFrom: {0}\n%files\n    a /bin/busybox/x\n",
        "cannot write below /bin/busybox")]
    public void Copying_below_a_file_of_the_image_is_refused_and_writes_nothing(string recipe, string text,
        string says)
    {
        Write("a", "a\n");
        Write("d/f", "f\n");
        Write(recipe, string.Format(text, TestImages.BusyboxTree));
        var build = Build("out.sif", recipe);
        Assert.Equal(112, build.ExitCode);
        Assert.Contains(says + ": it is a file in the image, not a directory\n", build.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "out.sif")));
        AssertNoScratch();
    }

    /// <summary>The pids of the `sleep SECONDS` processes <paramref name="build"/> runs now (at least one): its own,
    /// not another's on the machine (other tests' builds, a user's).</summary>
    private static int[] Sleeps(Process build, string seconds)
    {
        // The RUN prints its line before its shell starts the sleep: wait for it.
        for (int tries = 0; tries < 600; tries++, Thread.Sleep(50))
        {
            int[] sleeps = [.. Processes.Descendants(build.Id)
                .Where(p => p.CommandLine is ["sleep", var s] && s == seconds).Select(p => p.Pid)];
            if (sleeps.Length > 0) return sleeps;
        }
        throw new TimeoutException($"the build's sleep {seconds} did not start");
    }

    /// <summary>Starts the build of out.sif from a recipe whose RUN sleeps <paramref name="seconds"/>, sends it
    /// <paramref name="signal"/> once the sleep runs and waits for its end; returns the build's exit status and the
    /// sleep's processes.</summary>
    private (int Status, int[] Sleeps) SignalledSleepingBuild(string seconds, string signal)
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo started && sleep {seconds}\n");
        using Process build = Hpcrun.Start(["build", Path.Combine(dir, "out.sif"), Path.Combine(dir, "Dockerfile")],
            env);
        while (build.StandardOutput.ReadLine() is { } line && line != "started") { }
        int[] sleeps = Sleeps(build, seconds);
        TestEnvironment.RunChecked("kill", $"-{signal}", build.Id.ToString());
        Assert.True(build.WaitForExit(TimeSpan.FromSeconds(60)));
        return (build.ExitCode, sleeps);
    }

    [Fact]
    public void Sigterm_stops_the_running_step_and_leaves_no_tree_no_output_and_no_process()
    {
        var (status, sleeps) = SignalledSleepingBuild("4321", "TERM");
        Assert.Equal(143, status);
        Assert.All(sleeps, pid => Assert.True(Processes.WaitUntilEnded(pid, TimeSpan.Zero), $"sleep {pid} runs"));
        Assert.False(File.Exists(Path.Combine(dir, "out.sif")));
        AssertNoScratch();
        Assert.Empty(Directory.GetDirectories(Path.Combine(dir, "cache", "recipe"), ".tmp-*"));
    }

    /// <summary>A RUN that ignores SIGTERM goes on after the build's SIGTERM reached it: its command is then
    /// SIGKILLed and the step kills what the command started, so no process of the RUN outlives the build (the step
    /// itself SIGKILLed, its command's `sleep 40` went on, a child of init).</summary>
    [Fact]
    public async Task Sigterm_of_a_build_whose_run_ignores_it_leaves_no_process_of_the_run()
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\n" +
            "RUN trap \"\" TERM INT; echo started; sleep 40; echo never\n");
        using var build = Hpcrun.Start(["-q", "build", "--no-cache", "-F", Path.Combine(dir, "out.sif"),
            Path.Combine(dir, "Dockerfile")], env);
        Task<string> errors = build.StandardError.ReadToEndAsync();
        while (build.StandardOutput.ReadLine() is { } line && line != "started") { }
        int[] sleeps = Sleeps(build, "40");
        TestEnvironment.RunChecked("kill", "-TERM", build.Id.ToString());
        Assert.True(build.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Equal((143, "hpcrun: build interrupted by SIGTERM: nothing written\n"), (build.ExitCode, await errors));
        Assert.All(sleeps, pid => Assert.True(Processes.WaitUntilEnded(pid, TimeSpan.Zero), $"sleep {pid} runs"));
        Assert.DoesNotContain("never", build.StandardOutput.ReadToEnd());
        AssertNoScratch();
    }

    /// <summary>`kill -9` of a `--no-cache` build leaves its scratch tree beside OUT; the next build that writes into
    /// that directory removes it, and keeps the tree of a build that runs there (each holds a lock on its own).
    /// </summary>
    [Fact]
    public void The_next_build_beside_out_removes_the_scratch_tree_of_a_killed_no_cache_build()
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo started && sleep 4646\n");
        Process Start(string output)
        {
            var build = Hpcrun.Start(["-q", "build", "--no-cache", Path.Combine(dir, output),
                Path.Combine(dir, "Dockerfile")], env);
            while (build.StandardOutput.ReadLine() is { } line && line != "started") { }
            return build;
        }
        string[] Scratches() => Directory.GetDirectories(dir, ".hpcrun-recipe.*");
        using (Process killed = Start("killed.sif"))
        {
            TestEnvironment.RunChecked("kill", "-KILL", killed.Id.ToString());
            Assert.True(killed.WaitForExit(TimeSpan.FromSeconds(30)));
        }
        string left = Assert.Single(Scratches());
        using Process running = Start("running.sif");
        string kept = Assert.Single(Scratches(), path => path != left);
        Write("next.dockerfile", $"FROM {TestImages.BusyboxTree}\n");
        var next = Build("--no-cache", "next.sif", "next.dockerfile");
        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Equal([kept], Scratches());
        TestEnvironment.RunChecked("kill", "-TERM", running.Id.ToString());
        Assert.True(running.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Equal(143, running.ExitCode);
        AssertNoScratch();
    }

    /// <summary>OUT is never the recipe or SOURCE, whatever names them (the same name, a symlink, a hard link), nor a
    /// recipe at all: a build would replace it with the image, even with --force (`-F Dockerfile Dockerfile` did).
    /// </summary>
    [Fact]
    public void Out_that_is_the_recipe_another_input_or_a_recipe_is_refused_and_left_as_it_is()
    {
        string recipe = Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\n");
        File.CreateSymbolicLink(Path.Combine(dir, "link.sif"), "Dockerfile");
        TestEnvironment.RunChecked("ln", recipe, Path.Combine(dir, "hard.sif"));
        Assert.Equal(0, Build("base.sif", "Dockerfile").ExitCode);
        const string Same = ": a build does not write over what it reads; name another OUT\n";
        foreach ((string[] args, string says) in new (string[], string)[]
                 {
                     (["-F", "Dockerfile", "Dockerfile"], "OUT Dockerfile is the same file as the SOURCE Dockerfile" +
                         Same),
                     (["-F", "link.sif", "Dockerfile"],
                         "OUT link.sif is the same file as the SOURCE Dockerfile" + Same),
                     (["-F", "hard.sif", "Dockerfile"],
                         "OUT hard.sif is the same file as the SOURCE Dockerfile" + Same),
                     (["-F", "-f", "Dockerfile", "hard.sif", "."],
                         "OUT hard.sif is the same file as the recipe Dockerfile" + Same),
                     (["-F", "base.sif", "base.sif"], "OUT base.sif is the same file as the SOURCE base.sif" + Same),
                     (["--force", "Dockerfile", TestImages.BusyboxTree], "OUT Dockerfile is a recipe: a build does " +
                         "not write an image over it, even with --force; name another OUT (hpcrun build [OPTIONS] " +
                         "OUT SOURCE)\n"),
                 })
        {
            var refused = Build(args);
            Assert.Equal((64, "hpcrun: " + says), (refused.ExitCode, refused.Stderr));
        }
        Assert.Equal($"FROM {TestImages.BusyboxTree}\n", File.ReadAllText(recipe));
        AssertNoScratch();
    }

    /// <summary>Apptainer's `build -f` is --fakeroot: `build -f out.sif x.def` builds out.sif (a word after -f that
    /// names an image file, or nothing, and one more word), where hpcrun's -f (--file) said "build needs SOURCE";
    /// `-f RECIPE OUT CONTEXT` is still hpcrun's --file.</summary>
    [Fact]
    public void Build_dash_f_is_apptainers_fakeroot_before_out_and_hpcruns_file_before_a_recipe()
    {
        Write("x.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n");
        var fakeroot = Build("-f", "out.sif", "x.def");
        Assert.True(fakeroot.ExitCode == 0, fakeroot.ToString());
        Assert.True(File.Exists(Path.Combine(dir, "out.sif")));
        Write("recipe.txt", $"FROM {TestImages.BusyboxTree}\nLABEL kind=file\n");
        var file = Build("-f", "recipe.txt", "file.sif", ".");
        Assert.True(file.ExitCode == 0, file.ToString());
        Assert.Contains("kind", Hpcrun.Run(["inspect", "--labels", Path.Combine(dir, "file.sif")], env).Stdout);
        AssertNoScratch();
    }

    /// <summary>The options by which Apptainer's build asks for what hpcrun's always does (a user namespace, no
    /// subordinate ids or fakeroot command, a warning for an unused --build-arg) are accepted: the build is the same.
    /// </summary>
    [Fact]
    public void Build_accepts_apptainers_options_for_what_it_always_does()
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo ran > /ran\n");
        var build = Build("-u", "--userns", "--ignore-subuid", "--ignore-fakeroot-command", "--ignore-userns",
            "--warn-unused-build-args", "--build-arg", "UNUSED=1", "out.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("warning: --build-arg UNUSED: not used by the recipe", build.Stderr);
        Assert.Equal("ran\n", Hpcrun.Run([Path.Combine(dir, "out.sif"), "cat", "/ran"], env).Stdout);
        var bind = Build("-B", "/tmp:/data", "bind.sif", "Dockerfile");
        Assert.Equal(64, bind.ExitCode);
        Assert.StartsWith("hpcrun: '-B' is not supported: a build binds nothing", bind.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "bind.sif")));
    }

    /// <summary>A corrupt SquashFS as SOURCE, or as a FROM's image, is named with what is wrong with it (and the
    /// recipe's line), as exec names its image: the build said only "corrupt SquashFS superblock".</summary>
    [Fact]
    public void A_corrupt_squashfs_source_or_base_is_named()
    {
        string corrupt = Path.Combine(dir, "corrupt.sqfs");
        byte[] bytes = File.ReadAllBytes(TestImages.BusyboxSquashFs);
        long inodeTable = BitConverter.ToInt64(bytes, 64);
        Array.Fill(bytes, (byte)0xA5, (int)inodeTable, (int)(bytes.Length - 4096 - inodeTable) / 2 + 64);
        File.WriteAllBytes(corrupt, bytes);
        TestEnvironment.RunChecked("chmod", "a+r", corrupt);
        var source = Build("x.sif", corrupt);
        Assert.Equal((65, $"hpcrun: {corrupt}: corrupt SquashFS superblock (directory table)\n"),
            (source.ExitCode, source.Stderr));
        Write("Dockerfile", $"FROM {corrupt}\n");
        var from = Build("y.sif", "Dockerfile");
        Assert.Equal(65, from.ExitCode);
        Assert.EndsWith($"hpcrun: Dockerfile:1: {corrupt}: corrupt SquashFS superblock (directory table)\n",
            from.Stderr);
        AssertNoScratch();
    }

    /// <summary>A SOURCE (or -f recipe) that is neither a file nor a directory is refused before it is read: a FIFO
    /// or a device was read forever. An OUT that is a FIFO is an OUT that exists (80; replaced with --force), never
    /// opened to see whether it is a recipe: that waited forever for a writer.</summary>
    [Fact]
    public void A_fifo_or_a_device_as_source_or_recipe_is_refused_without_reading_it()
    {
        string fifo = Path.Combine(dir, "fifo");
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\n");
        const string exists = "cannot write fifo: it exists; give --force to overwrite it";
        TestEnvironment.RunChecked("mkfifo", "-m", "0666", fifo);
        foreach ((string[] args, int status, string says) in new (string[], int, string)[]
                 {
                     (["x.sif", "/dev/zero"], 65, "/dev/zero is a character device, not a file or directory to build " +
                         "from"),
                     (["x.sif", "fifo"], 65, "fifo is a FIFO, not a file or directory to build from"),
                     (["-f", "fifo", "x.sif", "."], 111, "fifo: cannot read it: it is a FIFO"),
                     (["fifo", TestImages.BusyboxTree], 80, exists),
                     (["fifo", "Dockerfile"], 80, exists),
                 })
        {
            var result = Hpcrun.Script("exec timeout 60 $H build \"$@\"", ["hpcrun", .. args], env, cwd: dir);
            Assert.Equal((status, $"hpcrun: {says}\n"), (result.ExitCode, result.Stderr));
        }
        Assert.False(File.Exists(Path.Combine(dir, "x.sif")));
        // Forced, the image takes the FIFO's name, as it would a file's.
        var forced = Hpcrun.Script("exec timeout 60 $H -q build -F fifo \"$1\"", ["hpcrun", TestImages.BusyboxTree],
            env, cwd: dir);
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Equal("hi\n", Hpcrun.Run([fifo, "echo", "hi"], env).Stdout);
        File.Delete(fifo);
        AssertNoScratch();
    }

    /// <summary>The build cache keeps one copy of what consecutive steps share: the later step's tree has the earlier
    /// one's file (the same inode) for each file its RUN left alone, and its own for each it wrote, chmodded or made;
    /// the image has each file as the steps left it. Removing the earlier step leaves the later one's shared files as
    /// they were (a read-only one stays so), and `cache list` counts a shared file once.</summary>
    [Fact]
    public void Consecutive_steps_share_the_files_the_later_one_left_alone()
    {
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            RUN mkdir /data && dd if=/dev/zero of=/data/big bs=1M count=4 && echo a > /data/a && echo b > /data/b \
                && echo c > /data/c && echo d > /data/d && chmod 444 /data/b
            RUN echo changed > /data/a && chmod 600 /data/c && rm /data/d && echo e > /data/e
            """);
        var build = Build("a.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        string recipe = Path.Combine(dir, "cache", "recipe");
        string[] trees = [.. Directory.GetDirectories(recipe).Select(d => Path.Combine(d, "rootfs"))
            .Where(Directory.Exists)];
        string later = trees.Single(t => File.Exists(Path.Combine(t, "data/e")));
        string earlier = trees.Single(t => File.Exists(Path.Combine(t, "data/d")));
        string Inode(string tree, string path) => TestEnvironment.RunChecked("stat", "-c", "%i",
            Path.Combine(tree, path));
        foreach (string shared in new[] { "data/big", "data/b", "bin/busybox" })
            Assert.True(Inode(later, shared) == Inode(earlier, shared), $"{shared} is not shared");
        foreach (string own in new[] { "data/a", "data/c" })
            Assert.True(Inode(later, own) != Inode(earlier, own), $"{own} is shared");
        string sif = Path.Combine(dir, "a.sif");
        var image = Hpcrun.Run([sif, "sh", "-c", "cat /data/a /data/b /data/e; stat -c %a /data/b /data/c; " +
            "test -e /data/d || echo no d"], env);
        Assert.Equal("changed\nb\ne\n444\n600\nno d\n", image.Stdout);

        // Edited, the last RUN runs in a copy of the earlier step's tree; the files it leaves alone are shared again.
        Write("Dockerfile", File.ReadAllText(Path.Combine(dir, "Dockerfile")).Replace("echo e >", "echo E >"));
        var edited = Build("b.sif", "Dockerfile");
        Assert.True(edited.ExitCode == 0, edited.ToString());
        string rebuilt = Directory.GetDirectories(recipe).Select(d => Path.Combine(d, "rootfs"))
            .Single(t => File.Exists($"{t}/data/e") && File.ReadAllText($"{t}/data/e") == "E\n");
        foreach (string shared in new[] { "data/big", "data/b", "bin/busybox" })
            Assert.True(Inode(rebuilt, shared) == Inode(earlier, shared), $"{shared} is not shared after the edit");
        Assert.True(Inode(rebuilt, "data/a") != Inode(earlier, "data/a"));
        Assert.Equal("changed\nb\nE\n", Hpcrun.Run([Path.Combine(dir, "b.sif"), "cat", "/data/a", "/data/b",
            "/data/e"], env).Stdout);
        TestEnvironment.RunChecked("rm", "-rf", Path.GetDirectoryName(rebuilt)!);

        long treeBytes = new DirectoryInfo(later).EnumerateFiles("*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
        }).Sum(f => f.Length);
        var listed = Regex.Match(Hpcrun.Run(["cache", "list"], env).Stdout, @"recipe build step\(s\), ([\d.]+) MiB");
        Assert.True(listed.Success);
        Assert.InRange(double.Parse(listed.Groups[1].Value, CultureInfo.InvariantCulture) * (1 << 20),
            0.9 * treeBytes, 1.2 * treeBytes);

        Directory.SetLastWriteTimeUtc(Path.GetDirectoryName(earlier)!, DateTime.UtcNow.AddDays(-60));
        Assert.StartsWith("would remove 1 recipe build step(s)",
            Hpcrun.Run(["cache", "clean", "--dry-run", "--older-than", "30d", "--type", "recipe"], env).Stdout);
        Assert.True(Directory.Exists(earlier));
        var clean = Hpcrun.Run(["cache", "clean", "-f", "--older-than", "30d", "--type", "recipe"], env);
        Assert.StartsWith("removed 1 recipe build step(s)", clean.Stdout);
        Assert.Equal("444 b\n", TestEnvironment.RunChecked("sh", "-c",
            $"printf '%s ' $(stat -c %a {later}/data/b); cat {later}/data/b"));
    }

    /// <summary>`cache list` counts the recipe steps; `cache clean` leaves the cache alone while a build uses it (its
    /// scratch tree and the steps it reads), and removes it afterwards.</summary>
    [Fact]
    public void Cache_clean_keeps_what_a_running_build_uses_and_list_counts_the_steps()
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo one > /one\n");
        Assert.Equal(0, Build("a.sif", "Dockerfile").ExitCode);
        Assert.Contains("2 recipe build step(s)", Hpcrun.Run(["cache", "list"], env).Stdout);
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo one > /one\nRUN echo started && sleep 5 && " +
            "cat /one\n");
        using var build = Hpcrun.Start(["build", Path.Combine(dir, "b.sif"), Path.Combine(dir, "Dockerfile")], env);
        while (build.StandardOutput.ReadLine() is { } line && line != "started") { }
        Assert.Contains("would keep the recipe build cache: a build is using it",
            Hpcrun.Run(["cache", "clean", "--dry-run"], env).Stdout);
        var clean = Hpcrun.Run(["cache", "clean", "-f"], env);
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Contains("kept the recipe build cache: a build is using it", clean.Stdout);
        Assert.True(build.WaitForExit(TimeSpan.FromSeconds(120)));
        Assert.Equal(0, build.ExitCode);
        Assert.Equal("one\n", Hpcrun.Run([Path.Combine(dir, "b.sif"), "cat", "/one"], env).Stdout);
        Assert.Contains("removed 3 recipe build step(s)", Hpcrun.Run(["cache", "clean", "-f"], env).Stdout);
        Assert.Contains("0 recipe build step(s), 0 B", Hpcrun.Run(["cache", "list"], env).Stdout);
    }

    /// <summary>`cache clean --older-than D` removes the recipe steps no build has made or reused within D: a step made
    /// long ago that a build took from the cache today stays; once unused for longer than D it goes. Each kind of the
    /// cache gets its line, also when nothing of it is removed.</summary>
    [Fact]
    public void Cache_clean_older_than_keeps_the_steps_a_build_reused_since()
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo one > /one\n");
        Assert.Equal(0, Build("a.sif", "Dockerfile").ExitCode);
        string cache = Path.Combine(dir, "cache"), recipe = Path.Combine(cache, "recipe");
        void MadeLongAgo()
        {
            foreach (string step in Directory.GetDirectories(recipe))
                Directory.SetLastWriteTimeUtc(step, DateTime.UtcNow.AddDays(-60));
        }
        MadeLongAgo();
        var rebuilt = Build("b.sif", "Dockerfile"); // both steps from the cache
        Assert.True(rebuilt.ExitCode == 0, rebuilt.ToString());
        var kept = Hpcrun.Run(["cache", "clean", "-f", "--older-than", "30d"], env);
        Assert.True(kept.ExitCode == 0, kept.ToString());
        Assert.Equal($"removed 0 image(s), 0 B, from {cache}\nremoved 0 recipe build step(s), 0 B, from {recipe}\n",
            kept.Stdout);
        MadeLongAgo();
        Assert.StartsWith("removed 2 recipe build step(s)",
            Hpcrun.Run(["cache", "clean", "-f", "--older-than", "30d", "--type", "recipe"], env).Stdout);
    }

    [Fact]
    public void Root_is_emulated_for_chown_setgroups_and_device_nodes_in_a_run_and_flushes_are_no_ops()
    {
        // fsync(2) and fdatasync(2) of a FIFO are EINVAL when they run: busybox's sync then fails.
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            RUN id -u > /id && touch /f && chown 1234:5678 /f && mknod /dev-null c 1 3; \
                mkfifo /fifo && test -p /fifo && sync /fifo && sync -d /fifo && echo ok > /checks
            """);
        var build = Build("root.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal("0\nok\n", Hpcrun.Run([Path.Combine(dir, "root.sif"), "cat", "/id", "/checks"], env).Stdout);
    }

    [Fact]
    public void Copy_takes_the_context_less_dockerignore_and_multi_stage_copies_only_what_it_names()
    {
        Write("ctx/keep.txt", "kept\n");
        Write("ctx/secret.key", "no\n");
        Write("ctx/logs/run.log", "no\n");
        Write("ctx/src/tool.sh", "#!/bin/sh\necho built tool\n");
        Write("ctx/.dockerignore", "*.key\nlogs\n");
        Write("ctx/Dockerfile", $"""
            FROM {TestImages.BusyboxTree} AS build
            COPY src/tool.sh /work/
            RUN cp /work/tool.sh /work/tool && chmod 755 /work/tool && echo junk > /work/junk
            FROM {TestImages.BusyboxTree}
            WORKDIR /app
            COPY . ./
            COPY --from=build /work/tool /usr/local/bin/tool
            RUN find /app | sort > /listing
            """);
        var build = Build("-f", Path.Combine(dir, "ctx/Dockerfile"), "copy.sif", Path.Combine(dir, "ctx"));
        Assert.True(build.ExitCode == 0, build.ToString());
        string sif = Path.Combine(dir, "copy.sif");
        Assert.Equal("/app\n/app/.dockerignore\n/app/Dockerfile\n/app/keep.txt\n/app/src\n/app/src/tool.sh\n",
            Hpcrun.Run([sif, "cat", "/listing"], env).Stdout);
        Assert.Equal("built tool\n", Hpcrun.Run([sif, "tool"], env).Stdout);
        Assert.NotEqual(0, Hpcrun.Run([sif, "test", "-e", "/work/junk"], env).ExitCode);
    }

    [Theory]
    [InlineData("COPY ../../etc/passwd /x", "its path leads outside the build context")]
    [InlineData("COPY escape /x", "a symlink leads outside the build context")]
    public void A_hostile_recipe_cannot_copy_from_outside_its_context(string copy, string why)
    {
        Write("ctx/Dockerfile", $"FROM {TestImages.BusyboxTree}\n{copy}\n");
        File.CreateSymbolicLink(Path.Combine(dir, "ctx/escape"), "/etc/passwd");
        var build = Build("evil.sif", "ctx/Dockerfile");
        Assert.Equal(112, build.ExitCode);
        Assert.Contains(why, build.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "evil.sif")));
        AssertNoScratch();
    }

    [Fact]
    public void A_definition_file_lays_out_its_sections_as_apptainer_and_runs_its_runscript_and_test()
    {
        Write("data.txt", "some data\n");
        string def = Write("tool.def", $"""
            Bootstrap: localimage
            From: {TestImages.BusyboxTree}

            %files
                data.txt /opt/data.txt

            %post
                echo "built by post" > /opt/post.txt

            %environment
                export GREETING="hello from environment"

            %runscript
                echo "runscript: $GREETING $*"

            %labels
                Author hpcrun-tests

            %help
                Prints a greeting.

            %test
                grep -q data /opt/data.txt
                test -f /.singularity.d/runscript
                touch /opt/written-by-test 2>/dev/null || true

            %startscript
                echo serving
            """);
        var build = Build("tool.sif", "tool.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains($"] line 2: Bootstrap: localimage From: {TestImages.BusyboxTree}\n", build.Stderr);
        Assert.Contains("] line 5: %files data.txt /opt/data.txt\n", build.Stderr);
        Assert.Contains("] line 7: %post echo \"built by post\" > /opt/post.txt\n", build.Stderr);
        Assert.Contains("] line 22: %test grep -q data /opt/data.txt test -f /.singularity.d", build.Stderr);
        string sif = Path.Combine(dir, "tool.sif");
        var run = Hpcrun.Run(["run", sif, "a", "b"], env);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("runscript: hello from environment a b\n", run.Stdout);
        Assert.Equal(File.ReadAllText(def) + "\n", Hpcrun.Run(["inspect", "--deffile", sif], env).Stdout);
        Assert.Contains("Author: hpcrun-tests", Hpcrun.Run(["inspect", "--labels", sif], env).Stdout);
        Assert.Contains("Prints a greeting.", Hpcrun.Run(["inspect", "--helpfile", sif], env).Stdout);
        Assert.Equal("built by post\nsome data\n",
            Hpcrun.Run(["exec", sif, "cat", "/opt/post.txt", "/opt/data.txt"], env).Stdout);
        Assert.Equal(1, Hpcrun.Run(["exec", sif, "test", "-e", "/opt/written-by-test"], env).ExitCode);
        var start = Hpcrun.Run(["exec", sif, "sh", "-c", "test -x /.singularity.d/startscript && " +
            "head -n 1 /.singularity.d/startscript && /.singularity.d/startscript"], env); // for apptainer instance
        Assert.Equal("#!/bin/sh\nserving\n", start.Stdout);
        Assert.Equal("#!/bin/sh\n\n    echo serving\n", Hpcrun.Run(["inspect", "--startscript", sif], env).Stdout);
        Assert.Contains("\"startscript\": \"#!/bin/sh\\n\\n    echo serving",
            Hpcrun.Run(["inspect", "-s", "--json", sif], env).Stdout);
    }

    /// <summary>A definition file built on a SIF that hpcrun built from one keeps what the base's sections made, as
    /// Apptainer's build writes over its base (metadata.go, insertMetadata): %environment is appended to the base's
    /// 90-environment.sh, a section the child lacks leaves the base's runscript, test, startscript and help, %labels
    /// adds to the base's labels; a label or help the base has already is kept with a warning unless --force (the
    /// trial's envinherit: the child printed TOOL_HOME= empty).</summary>
    [Fact]
    public void A_definition_file_on_a_definition_built_base_keeps_the_bases_sections_as_apptainer()
    {
        Write("base.def", $"""
            Bootstrap: localimage
            From: {TestImages.BusyboxTree}
            %environment
                export TOOL_HOME=/opt/tool
            %runscript
                echo "TOOL_HOME=$TOOL_HOME CHILD=$CHILD"
            %labels
                Base yes
                Shared base
            %help
                base help
            %test
                echo base test ran
            %startscript
                echo base start
            """);
        var base_ = Build("base.sif", "base.def");
        Assert.True(base_.ExitCode == 0, base_.ToString());
        Write("child.def", "Bootstrap: localimage\nFrom: base.sif\n%labels\n    Extra yes\n");
        Write("child2.def", "Bootstrap: localimage\nFrom: base.sif\n%environment\n    export CHILD=1\n");
        foreach (string child in (string[])["child", "child2"])
        {
            var build = Build($"{child}.sif", $"{child}.def");
            Assert.True(build.ExitCode == 0, build.ToString());
            Assert.DoesNotContain("%test", build.Stderr); // the base's test is the image's, not the build's
        }
        string sif = Path.Combine(dir, "child.sif"), sif2 = Path.Combine(dir, "child2.sif");
        Assert.Equal("TOOL_HOME=/opt/tool CHILD=\n", Hpcrun.Run(["run", sif], env).Stdout);
        Assert.Equal("TOOL_HOME=/opt/tool CHILD=1\n", Hpcrun.Run(["run", sif2], env).Stdout);
        Assert.Equal("base start\nbase test ran\n", Hpcrun.Run(["exec", sif2, "sh", "-c",
            "/.singularity.d/startscript && /.singularity.d/test"], env).Stdout);
        Assert.Contains("base help", Hpcrun.Run(["inspect", "--helpfile", sif], env).Stdout);
        string labels = Hpcrun.Run(["inspect", "--labels", sif], env).Stdout;
        Assert.Contains("Base: yes\n", labels);
        Assert.Contains("Extra: yes\n", labels);
        Assert.Equal(File.ReadAllText(Path.Combine(dir, "base.def")), Hpcrun.Run(["exec", sif, "cat",
            "/.singularity.d/bootstrap_history/Apptainer0"], env).Stdout);

        Write("child3.def",
            "Bootstrap: localimage\nFrom: base.sif\n%labels\n    Shared child\n%help\n    child help\n");
        var kept = Build("child3.sif", "child3.def");
        Assert.True(kept.ExitCode == 0, kept.ToString());
        Assert.Contains("hpcrun: warning: %labels Shared: the base image or %post set it already: kept, as " +
            "Apptainer keeps it (build with --force to replace it)\n", kept.Stderr);
        Assert.Contains("hpcrun: warning: %help: the base image has a help text already: kept", kept.Stderr);
        string sif3 = Path.Combine(dir, "child3.sif");
        Assert.Contains("Shared: base\n", Hpcrun.Run(["inspect", "--labels", sif3], env).Stdout);
        Assert.Contains("base help", Hpcrun.Run(["inspect", "--helpfile", sif3], env).Stdout);
        var forced = Build("--force", "child3.sif", "child3.def");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.DoesNotContain("warning", forced.Stderr);
        Assert.Contains("Shared: child\n", Hpcrun.Run(["inspect", "--labels", sif3], env).Stdout);
        Assert.Contains("child help", Hpcrun.Run(["inspect", "--helpfile", sif3], env).Stdout);
    }

    /// <summary>A definition file's sections run in Apptainer's order, not the order written (build.go, Full):
    /// %files are copied before %post, which runs once, its sections joined; a section written twice is joined
    /// (the trial's deforder/order.def failed with "No such file", its defdup/dup.def kept only the last of
    /// each).</summary>
    [Fact]
    public void A_definition_files_files_come_before_post_and_repeated_sections_are_joined()
    {
        Write("data.txt", "payload\n");
        Write("order.def", $"""
            Bootstrap: localimage
            From: {TestImages.BusyboxTree}
            %post
                cat /opt/data.txt > /opt/seen.txt
                word=carried
            %labels
                A 1
            %environment
                export E1=1
            %runscript
                echo part1
            %files
                data.txt /opt/data.txt
            %post
                echo "$word" >> /opt/seen.txt
            %labels
                B 2
            %environment
                export E2=2
            %runscript
                echo "part2 E1=$E1 E2=$E2"
            """);
        var build = Build("order.sif", "order.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("hpcrun: [2/3] line 13: %files data.txt /opt/data.txt\n", build.Stderr);
        Assert.Contains("hpcrun: [3/3] line 3: %post", build.Stderr);
        string sif = Path.Combine(dir, "order.sif");
        Assert.Equal("payload\ncarried\n", Hpcrun.Run(["exec", sif, "cat", "/opt/seen.txt"], env).Stdout);
        Assert.Equal("part1\npart2 E1=1 E2=2\n", Hpcrun.Run(["run", sif], env).Stdout);
        string labels = Hpcrun.Run(["inspect", "--labels", sif], env).Stdout;
        Assert.Contains("A: 1\n", labels);
        Assert.Contains("B: 2\n", labels);
    }

    /// <summary>A quote left open names its line in every instruction that splits words, as every other recipe
    /// error does (the trial's %files `"unterminated /x` had none).</summary>
    [Theory]
    [InlineData("Dockerfile", "FROM {0}\nCOPY \"a /x\n", "Dockerfile:2: unterminated quote in: \"a /x")]
    [InlineData("Dockerfile", "FROM {0}\n\nENV A=\"x\n", "Dockerfile:3: unterminated quote in: A=\"x")]
    [InlineData("Dockerfile", "FROM {0}\nLABEL a='b\n", "Dockerfile:2: unterminated quote in: a='b")]
    [InlineData("Dockerfile", "ARG V=\"1\nFROM {0}\n", "Dockerfile:1: unterminated quote in: V=\"1")]
    [InlineData("Dockerfile", "FROM \"{0}\n", "Dockerfile:1: unterminated quote in: \"")]
    [InlineData("x.def", "Bootstrap: localimage\nFrom: {0}\n%files\n    \"unterminated /x\n",
        "x.def:4: unterminated quote in: \"unterminated /x")]
    public void An_unterminated_quote_names_its_line(string name, string recipe, string says)
    {
        Write(name, string.Format(CultureInfo.InvariantCulture, recipe, TestImages.BusyboxTree));
        var build = Build("q.sif", name);
        Assert.Equal(111, build.ExitCode);
        Assert.Contains($"hpcrun: {says}", build.Stderr);
        AssertNoScratch();
    }

    /// <summary>%post runs as Apptainer's `/bin/sh -ex /.post.script`: it stops at the first failing command, and
    /// the trace on stderr shows which one; `%post -c SHELL` runs the script with SHELL alone (no -e, no trace of its
    /// commands), and the script file is not left in the image.</summary>
    [Fact]
    public void Post_traces_and_stops_at_the_first_failure_unless_c_names_the_shell()
    {
        Write("p.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n%post\n    echo one\n    false\n" +
            "    echo two\n");
        var failed = Build("p.sif", "p.def");
        Assert.Equal(110, failed.ExitCode);
        Assert.Contains("+ echo one\n", failed.Stderr);
        Assert.Contains("+ false\nhpcrun: %post at line 3 failed with exit status 1\n", failed.Stderr);
        Assert.Equal("one\n", failed.Stdout);
        AssertNoScratch();
        Write("c.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n%post -c /bin/sh # no -e\n" +
            "    echo one\n    false\n    echo two > /two\n");
        var shell = Build("c.sif", "c.def");
        Assert.True(shell.ExitCode == 0, shell.ToString());
        Assert.Contains("+ /bin/sh /.post.script\n", shell.Stderr);
        Assert.DoesNotContain("+ false", shell.Stderr);
        string sif = Path.Combine(dir, "c.sif");
        Assert.Equal("two\n", Hpcrun.Run(["exec", sif, "cat", "/two"], env).Stdout);
        Assert.Equal(1, Hpcrun.Run(["exec", sif, "test", "-e", "/.post.script"], env).ExitCode);
    }

    /// <summary>A `#!` first line of %runscript, %test and %startscript is the script's interpreter, as Apptainer's
    /// handleShebangScript makes it (the trial's `#!/bin/bash` runscript ran with /bin/sh); the section's arguments
    /// go on that line (%test -x traces).</summary>
    [Fact]
    public void A_scripts_first_line_shebang_is_its_interpreter()
    {
        Write("s.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n%runscript\n#!/bin/cat\n    hello\n" +
            "%test -x # traced\n    echo testing\n%startscript\n    #!/bin/sh -u\n    echo $UNSET\n");
        var build = Build("s.sif", "s.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("+ echo testing\n", build.Stderr);
        Assert.Equal("testing\n", build.Stdout);
        string sif = Path.Combine(dir, "s.sif");
        Assert.Equal("#!/bin/cat\n\n    hello\n\n", Hpcrun.Run(["run", sif], env).Stdout);
        Assert.Equal("#!/bin/sh -x\n\n    echo testing\n\n",
            Hpcrun.Run(["exec", sif, "cat", "/.singularity.d/test"], env).Stdout);
        Assert.NotEqual(0, Hpcrun.Run(["exec", sif, "/.singularity.d/startscript"], env).ExitCode); // -u: $UNSET
    }

    /// <summary>%test runs in the finished image, as `apptainer build` runs it: a failing one leaves no OUT (an
    /// existing OUT untouched under --force), and --notest (-T) skips it.</summary>
    [Fact]
    public void A_failing_test_section_writes_nothing_and_notest_skips_it()
    {
        Write("t.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n\n%test\n    exit 4\n");
        var build = Build("t.sif", "t.def");
        Assert.Equal(110, build.ExitCode);
        Assert.Contains("hpcrun: %test at line 4 failed with exit status 4", build.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "t.sif")));
        AssertNoScratch();
        Write("t.sif", "kept");
        Assert.Equal(110, Build("--force", "t.sif", "t.def").ExitCode);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(dir, "t.sif")));
        foreach (string skip in (string[])["--notest", "-T"])
        {
            var skipped = Build("--force", skip, "t.sif", "t.def");
            Assert.True(skipped.ExitCode == 0, skipped.ToString());
            Assert.DoesNotContain("%test", skipped.Stderr);
            Assert.Equal(4, Hpcrun.Run(["exec", Path.Combine(dir, "t.sif"), "/.singularity.d/test"], env).ExitCode);
        }
        // Apptainer's variables of --notest and --force, as a batch script written for it sets them.
        foreach (string notest in (string[])["APPTAINER_NOTEST", "SINGULARITY_NOTEST"])
        {
            var variables = Hpcrun.Run(["build", "t.sif", "t.def"], new Dictionary<string, string>(env)
            { [notest] = "1", ["APPTAINER_FORCE"] = "true" }, cwd: dir);
            Assert.True(variables.ExitCode == 0, variables.ToString());
            Assert.DoesNotContain("%test", variables.Stderr);
        }
        AssertNoScratch();
    }

    /// <summary>What %post appends to $APPTAINER_ENVIRONMENT / $SINGULARITY_ENVIRONMENT is set at run time, what it
    /// appends to $APPTAINER_LABELS becomes labels (the file left out of the image); `{{ NAME }}` takes --build-arg
    /// (or --build-arg-file) over the %arguments default, a --build-arg nothing reads is warned about, and a
    /// placeholder without a value or a missing %files source is refused in the definition file's own terms.</summary>
    [Fact]
    public void Post_sets_the_run_environment_and_labels_and_build_args_fill_the_placeholders()
    {
        Write("args.def", $$$"""
            Bootstrap: localimage
            From: {{{TestImages.BusyboxTree}}}

            %arguments
                GREETING=hello

            %post
                echo 'export POSTVAR=from_post' >> $APPTAINER_ENVIRONMENT
                echo 'export LEGACY=legacy' >> $SINGULARITY_ENVIRONMENT
                echo 'version {{ VERSION }}' >> $APPTAINER_LABELS
                echo "version {{ VERSION }} {{GREETING}}" > /version
            """);
        var build = Build("--build-arg", "VERSION=2.5", "--build-arg", "UNREAD=1", "args.sif", "args.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("hpcrun: warning: --build-arg UNREAD: not used by the recipe\n", build.Stderr);
        string sif = Path.Combine(dir, "args.sif");
        Assert.Equal("from_post legacy\n", Hpcrun.Run(["exec", sif, "sh", "-c", "echo $POSTVAR $LEGACY"], env).Stdout);
        Assert.Equal("version 2.5 hello\n", Hpcrun.Run(["exec", sif, "cat", "/version"], env).Stdout);
        Assert.Contains("version: 2.5", Hpcrun.Run(["inspect", "--labels", sif], env).Stdout);
        Assert.Equal(1, Hpcrun.Run(["exec", sif, "test", "-e", "/.build.labels"], env).ExitCode);
        Assert.Contains("echo \"version 2.5 hello\" > /version", Hpcrun.Run(["inspect", "--deffile", sif], env).Stdout);

        Write("args.txt", "# the release\nVERSION = 3.0\n\n");
        var fromFile = Build("--force", "--build-arg-file", "args.txt", "args.sif", "args.def");
        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        Assert.Equal("version 3.0 hello\n", Hpcrun.Run(["exec", sif, "cat", "/version"], env).Stdout);
        Write("bad.txt", "VERSION\n");
        var bad = Build("--force", "--build-arg-file", "bad.txt", "args.sif", "args.def");
        Assert.Equal((73, "hpcrun: --build-arg-file bad.txt: not NAME=VALUE: VERSION\n"), (bad.ExitCode, bad.Stderr));

        var missing = Build("--force", "args.sif", "args.def");
        Assert.Equal((111, "hpcrun: args.def:10: build var VERSION is not defined through either --build-arg " +
            "(--build-arg-file) or 'arguments' section\n"), (missing.ExitCode, missing.Stderr));
        Write("files.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\n%files\n    nope.txt /nope\n");
        var files = Build("files.sif", "files.def");
        Assert.Equal(112, files.ExitCode);
        Assert.Contains($"hpcrun: %files at line 4: nope.txt is not in the current directory ({dir})\n", files.Stderr);
        AssertNoScratch();
    }

    /// <summary>Progress shows each instruction as written, flags included; a COPY --from source missing names its
    /// stage; a FROM that names a file of the build context, run from elsewhere, says which path to give instead of
    /// asking a registry.</summary>
    [Fact]
    public void Progress_shows_flags_and_a_local_from_outside_the_current_directory_is_said_in_one_line()
    {
        Write("ctx/a.txt", "a\n");
        Write("ctx/Dockerfile", $"""
            FROM {TestImages.BusyboxTree} AS one
            COPY --chown=0:0 --chmod=644 a.txt /a.txt
            FROM {TestImages.BusyboxTree}
            COPY --from=one /a.txt /b.txt
            COPY --from=one /missing /c
            """);
        var build = Build("flags.sif", "ctx/Dockerfile");
        Assert.Equal(112, build.ExitCode);
        Assert.Contains("] line 2: COPY --chown=0:0 --chmod=644 a.txt /a.txt\n", build.Stderr);
        Assert.Contains("] line 4: COPY --from=one /a.txt /b.txt\n", build.Stderr);
        Assert.Contains("hpcrun: COPY at line 5: /missing is not in stage one\n", build.Stderr);

        Write("ctx/base.sif", "not read");
        Write("ctx/Dockerfile", "FROM base.sif\n");
        var from = Build("base.sif", "ctx/Dockerfile");
        Assert.Equal((66, $"hpcrun: ctx/Dockerfile:1: FROM base.sif: no such file in the current directory {dir} " +
            "(a local FROM is relative to it); the build context has it: give ctx/base.sif or an absolute path\n"),
            (from.ExitCode, from.Stderr.Split('\n', 2)[1]));
        AssertNoScratch();
    }

    /// <summary>Apptainer's `Bootstrap: docker-archive`, `oci` and `oci-archive`: `From: FILE[:TAG]` names a real
    /// `docker save` archive (two images, tagged app:1 and app:2), its OCI layout or the layout's tar (skopeo's), the
    /// tag picking the image as `build OUT oci:DIR:TAG` picks it, and %post runs on it; a SIF there is refused in one
    /// line (65), as is a tag the archive does not have.</summary>
    [Fact]
    public void The_archive_agents_build_from_a_docker_archive_an_oci_layout_and_its_tar()
    {
        SavedArchive("app.tar");
        foreach (string target in new[] { "oci:layout:1", "oci-archive:layout.tar:2" })
            TestEnvironment.RunChecked("skopeo", "--insecure-policy", "copy", "-q",
                $"docker-archive:{dir}/app.tar:app:{target[^1]}", target.Replace(":layout", $":{dir}/layout"));
        TestEnvironment.OpenAllButTheCache(dir);
        foreach ((string agent, string from, string seen) in new[] { ("docker-archive", "app.tar:app:2", "2"),
                     ("oci", "layout:1", "1"), ("oci-archive", "layout.tar", "2") })
        {
            Write($"{agent}.def", $"Bootstrap: {agent}\nFrom: {from}\n%post\n    cat /tag > /seen\n");
            var build = Build("--sqfs", $"{agent}.sqfs", $"{agent}.def");
            Assert.True(build.ExitCode == 0, build.ToString());
            Assert.Contains($"] line 2: Bootstrap: {agent} From: {from}\n", build.Stderr);
            Assert.Equal($"{seen}\n",
                TestEnvironment.RunChecked("unsquashfs", "-cat", Path.Combine(dir, $"{agent}.sqfs"), "/seen"));
        }
        File.Copy(TestImages.BusyboxSquashFs, Path.Combine(dir, "base.sqfs"));
        Write("sif.def", "Bootstrap: docker-archive\nFrom: base.sqfs\n");
        var sif = Build("x.sif", "sif.def");
        Assert.Equal((65, "hpcrun: sif.def:2: ./base.sqfs: an image file, not a docker save archive or OCI layout, " +
            "which Bootstrap: docker-archive reads (Bootstrap: localimage builds from it)\n"),
            (sif.ExitCode, sif.Stderr.Split('\n', 2)[1])); // after the step's progress line
        Write("two.def", "Bootstrap: docker-archive\nFrom: app.tar\n");
        var two = Build("x.sif", "two.def");
        Assert.Equal((65, "hpcrun: two.def:2: ./app.tar: the archive holds 2 images (app:1, app:2); choose one with " +
            "--tag (in a definition file: From: FILE:TAG)"), (two.ExitCode, two.Stderr.Trim().Split('\n')[^1]));
        Write("tag.def", "Bootstrap: oci\nFrom: layout:3\n");
        var tag = Build("x.sif", "tag.def");
        Assert.Equal(65, tag.ExitCode);
        Assert.Equal("hpcrun: tag.def:2: ./layout:3: no image tagged '3' (tags: 1)",
            tag.Stderr.Trim().Split('\n')[^1]);
        Assert.False(File.Exists(Path.Combine(dir, "x.sif")));
        AssertNoScratch();
    }

    /// <summary>Writes a `docker save` archive at <paramref name="name"/>, as Docker lays one out (manifest.json, the
    /// configs, one directory per layer): images app:1 and app:2, the busybox tree and a layer whose /tag says which.
    /// </summary>
    private void SavedArchive(string name)
    {
        string saved = Directory.CreateDirectory(Path.Combine(dir, "saved")).FullName;
        string Layer(string id, string tree)
        {
            Directory.CreateDirectory(Path.Combine(saved, id));
            TestEnvironment.RunChecked("tar", "-C", tree, "-cf", Path.Combine(saved, id, "layer.tar"), ".");
            return "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                File.ReadAllBytes(Path.Combine(saved, id, "layer.tar"))));
        }
        string busybox = Layer("busybox", TestImages.BusyboxTree);
        var images = new JsonArray();
        foreach (string tag in new[] { "1", "2" })
        {
            string tree = Directory.CreateDirectory(Path.Combine(dir, $"tag{tag}")).FullName;
            File.WriteAllText(Path.Combine(tree, "tag"), $"{tag}\n");
            var config = new JsonObject
            {
                ["architecture"] = "amd64",
                ["os"] = "linux",
                ["config"] = new JsonObject { ["Env"] = new JsonArray("PATH=/bin") },
                ["rootfs"] = new JsonObject
                {
                    ["type"] = "layers",
                    ["diff_ids"] = new JsonArray(busybox, Layer($"tag{tag}", tree)),
                },
            };
            File.WriteAllText(Path.Combine(saved, $"config{tag}.json"), config.ToJsonString());
            images.Add((JsonNode)new JsonObject
            {
                ["Config"] = $"config{tag}.json",
                ["RepoTags"] = new JsonArray($"app:{tag}"),
                ["Layers"] = new JsonArray("busybox/layer.tar", $"tag{tag}/layer.tar"),
            });
        }
        File.WriteAllText(Path.Combine(saved, "manifest.json"), images.ToJsonString());
        TestEnvironment.RunChecked("tar", "-C", saved, "-cf", Path.Combine(dir, name), ".");
    }

    [Theory]
    [InlineData("Bootstrap: oras\nFrom: ghcr.io/x/y:1\n",
        "Bootstrap: oras is not supported: pull the image with oras and use Bootstrap: localimage")]
    [InlineData("# a Debian release by debootstrap\nBootstrap: debootstrap\nOSVersion: bookworm\n",
        "Bootstrap: debootstrap is not supported: hpcrun builds from Bootstrap: docker (a registry image), " +
        "localimage (a local SIF, SquashFS or directory), docker-archive, oci or oci-archive (a docker save archive, " +
        "an OCI layout or its tar), or scratch (an empty root that %files fills)")]
    [InlineData("Bootstrap: docker-daemon\nFrom: app:1\n", "Bootstrap: docker-daemon: hpcrun reads no Docker " +
        "daemon: `docker save app:1 -o image.tar`, then Bootstrap: docker-archive with From: image.tar")]
    public void A_definition_file_with_an_unsupported_bootstrap_agent_is_refused_in_one_line(string def, string why)
    {
        Write("agent.def", def);
        var build = Build("agent.sif", "agent.def");
        Assert.Equal(111, build.ExitCode);
        Assert.Equal($"hpcrun: agent.def:{def.Split('\n').ToList().FindIndex(l => l.StartsWith("Bootstrap"))
            + 1}: {why}\n", build.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "agent.sif")));
    }

    /// <summary>A local directory base is keyed by its whole tree: a file changed deep inside it (the top directory's
    /// time unchanged) runs the steps again, for a Dockerfile's FROM and a definition file's localimage
    /// alike.</summary>
    [Theory]
    [InlineData("dir.dockerfile", "FROM basedir\nRUN cat /etc/deep/marker > /copied\nCMD [\"cat\",\"/copied\"]\n",
        "[2/3]")]
    [InlineData("dir.def", "Bootstrap: localimage\nFrom: basedir\n%post\n    cat /etc/deep/marker > /copied\n" +
        "%runscript\n    cat /copied\n", "[2/2]")]
    public void A_file_changed_inside_a_local_directory_base_runs_the_steps_again(string name, string recipe,
        string step)
    {
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, Path.Combine(dir, "basedir"));
        Write("basedir/etc/deep/marker", "d1\n");
        Write(name, recipe);
        var first = Build("child.sif", name);
        Assert.True(first.ExitCode == 0, first.ToString());
        DateTime top = Directory.GetLastWriteTimeUtc(Path.Combine(dir, "basedir"));
        Write("basedir/etc/deep/marker", "d2\n");
        Directory.SetLastWriteTimeUtc(Path.Combine(dir, "basedir"), top);
        var second = Build("-F", "child.sif", name);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"{step} done in", second.Stderr);
        Assert.Equal("d2\n", Hpcrun.Run(["run", Path.Combine(dir, "child.sif")], env).Stdout);
        var third = Build("-F", "child.sif", name); // unchanged: cached
        Assert.Contains($"{step} cached", third.Stderr);
    }

    /// <summary>`hpcrun build` keeps its steps where the site's cache-dir says, as `cache list|clean` and
    /// `hpcrun docker://` look for them; a cache that cannot be made is one line and status 108 for every user of
    /// it, never a silent fall back to the home.</summary>
    [Fact]
    public void Build_uses_the_sites_cache_dir_and_an_unusable_cache_is_108()
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo hi > /hi\n");
        Write("site.conf", $"cache-dir = {dir}/sitecache\n");
        Directory.CreateDirectory(Path.Combine(dir, "sitecache"));
        File.SetUnixFileMode(Path.Combine(dir, "sitecache"), (UnixFileMode)0b1_111_111_111); // as /tmp: every user's
        var site = new Dictionary<string, string> { ["HPCRUN_CONFIG"] = Path.Combine(dir, "site.conf") };
        var build = Hpcrun.Run(["build", "a.sif", "Dockerfile"], site, cwd: dir);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(Directory.Exists(Path.Combine(dir, "sitecache", "1500", "recipe"))); // the user's own folder
        string listed = Hpcrun.Run(["cache", "list"], site).Stdout;
        Assert.Matches($@"\n2 recipe build step\(s\), [0-9.]+ [KM]iB, in {dir}/sitecache/1500/recipe\n", listed);
        Assert.Contains("[2/2] cached", Hpcrun.Run(["build", "-F", "a.sif", "Dockerfile"], site, cwd: dir).Stderr);

        Write("bad.conf", $"cache-dir = {dir}/Dockerfile/cache\n");
        var badSite = new Dictionary<string, string> { ["HPCRUN_CONFIG"] = Path.Combine(dir, "bad.conf") };
        var bad = Hpcrun.Run(["build", "b.sif", "Dockerfile"], badSite, cwd: dir);
        Assert.Equal(108, bad.ExitCode);
        Assert.StartsWith($"hpcrun: cannot use the site's image cache {dir}/Dockerfile/cache (cache-dir from " +
            $"{dir}/bad.conf:1): not a directory; ", bad.Stderr);
        foreach ((string cache, string why) in new[] { ("/nonexist/cache", "permission denied"),
                     ("/etc/passwd", "not a directory") })
        {
            var variable = new Dictionary<string, string> { ["HPCRUN_CACHEDIR"] = cache };
            var refused = Hpcrun.Run(["build", "c.sif", "Dockerfile"], variable, cwd: dir);
            Assert.Equal((108, $"hpcrun: cannot make the image cache {cache}: {why}\n"),
                (refused.ExitCode, refused.Stderr));
            Assert.Equal(108, Hpcrun.Run(["pull", "--cache", "docker://127.0.0.1:9/x:1"], variable).ExitCode);
        }
        var list = Hpcrun.Run(["cache", "list"],
            new Dictionary<string, string> { ["HPCRUN_CACHEDIR"] = "/etc/passwd" });
        Assert.Equal((108, "hpcrun: cannot use the image cache /etc/passwd: not a directory\n"),
            (list.ExitCode, list.Stderr));
        Assert.False(File.Exists(Path.Combine(dir, "b.sif")) || File.Exists(Path.Combine(dir, "c.sif")));
        AssertNoScratch();
    }

    /// <summary>A recipe that cannot be read, a NUL byte in it, and a RUN longer than one argument can be are each
    /// one line in hpcrun's words with the recipe's status, never .NET's exception text.</summary>
    [Fact]
    public void Unreadable_recipes_nul_bytes_and_too_long_a_run_are_one_line()
    {
        string recipe = Write("x.dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN true\n");
        File.SetUnixFileMode(recipe, UnixFileMode.None);
        var unreadable = Build("x.sif", "x.dockerfile");
        Assert.Equal((111, "hpcrun: x.dockerfile: cannot read it: permission denied\n"),
            (unreadable.ExitCode, unreadable.Stderr));
        Write("nul.dockerfile", $"FROM {TestImages.BusyboxTree}\nCOPY a\0b /x\n");
        var nul = Build("nul.sif", "nul.dockerfile");
        Assert.Equal((111, "hpcrun: nul.dockerfile:2: a NUL character (byte 0): a recipe is text, and no path, " +
            "argument or variable can hold one\n"), (nul.ExitCode, nul.Stderr));
        Write("long.dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN true\nRUN echo {new string('x', 140_000)}\n");
        var tooLong = Build("long.sif", "long.dockerfile");
        Assert.Equal(111, tooLong.ExitCode);
        Assert.EndsWith("hpcrun: long.dockerfile:3: RUN cannot be started: its command has an argument of 137 KiB, " +
            "and Linux takes at most 128 KiB in one (MAX_ARG_STRLEN): COPY a script with the commands and RUN it\n",
            tooLong.Stderr);
        var missing = Build("-f", "missing.dockerfile", "m.sif", ".");
        Assert.Equal((66, "hpcrun: missing.dockerfile: no such file\n"), (missing.ExitCode, missing.Stderr));
        foreach (CommandResult result in new[] { unreadable, nul, tooLong, missing })
            Assert.DoesNotMatch("Exception|Access to the path|Parameter|internal error", result.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "long.sif")));
        AssertNoScratch();
    }

    /// <summary>`kill -9` of a build during a RUN kills the step and every process of the RUN (its job and what that
    /// started), and the next build removes the killed build's scratch tree from the cache, while a build that runs
    /// keeps its own.</summary>
    [Fact]
    public void Kill_9_of_a_build_kills_its_run_and_the_next_build_removes_its_scratch()
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo started && (sleep 4242; touch /late) & " +
            "sleep 4343\n");
        using var build = Hpcrun.Start(["build", Path.Combine(dir, "out.sif"), Path.Combine(dir, "Dockerfile")], env);
        while (build.StandardOutput.ReadLine() is { } line && line != "started") { }
        int[] sleeps = [.. Sleeps(build, "4343"), .. Sleeps(build, "4242")];
        string recipeCache = Path.Combine(dir, "cache", "recipe");
        Assert.Single(Directory.GetDirectories(recipeCache, ".tmp-build-*"));
        TestEnvironment.RunChecked("kill", "-KILL", build.Id.ToString());
        Assert.True(build.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.All(sleeps, pid => Assert.True(Processes.WaitUntilEnded(pid, TimeSpan.FromSeconds(5)),
            $"sleep {pid} runs"));
        string left = TestEnvironment.RunChecked("ps", "-eo", "args");
        // This build's steps only (their trees are in this test's directory): other tests build at the same time.
        Assert.DoesNotContain(left.Split('\n'), process => process.Contains("recipe-step") && process.Contains(dir));

        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo one > /one\n");
        var next = Build("next.sif", "Dockerfile");
        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.Empty(Directory.GetDirectories(recipeCache, ".tmp-*"));
        Assert.False(File.Exists(Path.Combine(dir, "out.sif")));
    }

    /// <summary>What a `kill -9`'d build left in the cache (its scratch tree) is counted and sized by `cache list`,
    /// said by `cache clean --dry-run` and removed and said by `cache clean`, whatever --older-than, as an
    /// interrupted pull's leftovers are.</summary>
    [Fact]
    public void Cache_list_and_clean_count_size_and_remove_what_a_killed_build_left()
    {
        var (status, sleeps) = SignalledSleepingBuild("4444", "KILL");
        Assert.Equal(137, status);
        Assert.All(sleeps, pid => Assert.True(Processes.WaitUntilEnded(pid, TimeSpan.FromSeconds(5))));
        string left = Assert.Single(Directory.GetDirectories(Path.Combine(dir, "cache", "recipe"), ".tmp-build-*"));

        const string Size = @"[\d.]+ (B|KiB|MiB)";
        Assert.Matches($@"\n{Size} of interrupted recipe builds \(1 leftover\(s\)\), which cache clean removes\n",
            Hpcrun.Run(["cache", "list"], env).Stdout);
        var dryRun = Hpcrun.Run(["cache", "clean", "--dry-run", "--older-than", "1h"], env);
        Assert.Matches($@"\nwould remove 1 leftover\(s\) of interrupted recipe builds, {Size}\n$", dryRun.Stdout);
        Assert.True(Directory.Exists(left));
        var clean = Hpcrun.Run(["cache", "clean", "-f", "--older-than", "1h"], env);
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Matches($@"\nremoved 1 leftover\(s\) of interrupted recipe builds, {Size}\n$", clean.Stdout);
        Assert.False(Directory.Exists(left));
        Assert.DoesNotContain("interrupted", Hpcrun.Run(["cache", "list"], env).Stdout);
    }

    /// <summary>%files reads the host as Apptainer's CopyFromHost: a relative source may climb with `..` (as an
    /// absolute path to it may name it), every symlink is followed (cp -L) and one that leads nowhere is refused, and
    /// a directory copied onto a directory goes into it by its name (cp -r); destinations stay inside the image.
    /// </summary>
    [Fact]
    public void Files_reads_the_host_as_apptainer_follows_symlinks_and_stays_inside_the_image()
    {
        Write("d1/data.txt", "data\n");
        Write("d1/tree/inner/f", "inner\n");
        File.CreateSymbolicLink(Path.Combine(dir, "d1/tree/link"), "../data.txt");
        File.CreateSymbolicLink(Path.Combine(dir, "d1/tree/dirlink"), "inner");
        Write("w/f.def", $"""
            Bootstrap: localimage
            From: {TestImages.BusyboxTree}
            %files
                ../d1/data.txt /d
                {dir}/d1/data.txt /abs
                ../d1/tree /t
                ../d1/tree /etc
                ../d1/*.txt /g/
                ../d1/data.txt ../../../escaped
            """);
        var build = Hpcrun.Run(["build", "f.sif", "f.def"], env, cwd: Path.Combine(dir, "w"));
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("] line 4: %files ../d1/data.txt /d\n", build.Stderr);
        string sif = Path.Combine(dir, "w/f.sif");
        var run = Hpcrun.Run([sif, "sh", "-c", "cat /d /abs /t/link /t/dirlink/f /etc/tree/inner/f /g/data.txt " +
            "/escaped; test -L /t/link || test -L /t/dirlink || echo no links"], env);
        Assert.Equal("data\ndata\ndata\ninner\ninner\ndata\ndata\nno links\n", run.Stdout);

        File.CreateSymbolicLink(Path.Combine(dir, "d1/tree/dangling"), "/nonexistent");
        var dangling = Hpcrun.Run(["build", "-F", "f.sif", "f.def"], env, cwd: Path.Combine(dir, "w"));
        Assert.Equal(112, dangling.ExitCode);
        Assert.Contains($"hpcrun: %files at line 6: {dir}/d1/tree/dangling is a symlink that leads nowhere",
            dangling.Stderr);
        File.Delete(Path.Combine(dir, "d1/tree/dangling"));
        File.CreateSymbolicLink(Path.Combine(dir, "d1/tree/inner/up"), "..");
        var loop = Hpcrun.Run(["build", "-F", "f.sif", "f.def"], env, cwd: Path.Combine(dir, "w"));
        Assert.Equal(112, loop.ExitCode);
        Assert.Contains("leads back to a directory it is in (a symlink loop)", loop.Stderr);
        Assert.Equal(run.Stdout, Hpcrun.Run([sif, "sh", "-c", "cat /d /abs /t/link /t/dirlink/f /etc/tree/inner/f " +
            "/g/data.txt /escaped; test -L /t/link || test -L /t/dirlink || echo no links"], env).Stdout);
        AssertNoScratch();
    }

    /// <summary>COPY of a context that holds a FIFO: it is hashed for the cache by its kind, never opened (opened, the
    /// build waited for a writer forever, deaf to SIGTERM), and left out of the image with a warning, as an image
    /// leaves FIFOs out.</summary>
    [Fact]
    public void A_fifo_in_the_context_is_left_out_with_a_warning_not_waited_on()
    {
        Write("ctx/a.txt", "a\n");
        Write("ctx/Dockerfile", $"FROM {TestImages.BusyboxTree}\nCOPY . /x/\n");
        TestEnvironment.RunChecked("mkfifo", "-m", "666", Path.Combine(dir, "ctx/fifo"));
        var build = Hpcrun.Script("timeout -s KILL 120 $H build fifo.sif ctx/Dockerfile", env: env, cwd: dir);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("hpcrun: warning: the copied files: skipped FIFO x/fifo", build.Stderr);
        Assert.Equal("a\n", Hpcrun.Run([Path.Combine(dir, "fifo.sif"), "cat", "/x/a.txt"], env).Stdout);
    }

    /// <summary>A header Apptainer does not know is refused with its line; one it knows that the agent does not read
    /// is a warning with its line, and the build goes on.</summary>
    [Fact]
    public void Unknown_definition_headers_are_refused_and_unread_ones_warned_about()
    {
        Write("bogus.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\nBogusHeader: 1\n");
        var bogus = Build("bogus.sif", "bogus.def");
        Assert.Equal((111, "hpcrun: bogus.def:3: unknown header `BogusHeader:` (Apptainer refuses it too; a section " +
            "starts with %)\n"), (bogus.ExitCode, bogus.Stderr));
        Write("mirror.def", $"Bootstrap: localimage\nFrom: {TestImages.BusyboxTree}\nMirrorURL: http://x/\n");
        var mirror = Build("mirror.sif", "mirror.def");
        Assert.True(mirror.ExitCode == 0, mirror.ToString());
        Assert.StartsWith("hpcrun: warning: mirror.def:3: `MirrorURL:` is not used by Bootstrap: localimage: left " +
            "out\nhpcrun: [1/1] line 2: Bootstrap: localimage", mirror.Stderr);
    }
}
