using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>`hpcrun build OUT Dockerfile` as the unprivileged test user, where a Dockerfile means what BuildKit makes
/// of it, and what hpcrun does not do is one clear line.</summary>
public sealed class DockerfileSemanticsTests : IDisposable
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private readonly string dir = WritableDir();
    private readonly Dictionary<string, string> env;

    public DockerfileSemanticsTests() => env = new() { ["HPCRUN_CACHEDIR"] = Path.Combine(dir, "cache") };

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    private string Write(string name, string text, UnixFileMode mode = (UnixFileMode)0b110_110_110)
    {
        string path = Path.Combine(dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.Replace("\r\n", "\n"));
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private CommandResult Build(params string[] args) => Hpcrun.Run(["build", .. args], env, cwd: dir);

    private static string WritableDir()
    {
        string path = Path.Combine(TestImages.Dir, $"dockerfile-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        return path;
    }

    /// <summary>The config `hpcrun inspect --json` shows of the image <paramref name="name"/>.</summary>
    private System.Text.Json.JsonElement Config(string name)
    {
        using var json = System.Text.Json.JsonDocument.Parse(
            Hpcrun.Run(["inspect", "--json", Path.Combine(dir, name)], env).Stdout);
        return json.RootElement.GetProperty("config").Clone();
    }

    /// <summary>The paths in a bare SquashFS image, as "/etc/hosts".</summary>
    private List<string> Listing(string sqfs) =>
        [.. TestEnvironment.RunChecked("unsquashfs", "-l", "-d", "", Path.Combine(dir, sqfs)).Split('\n')
            .Where(l => l.StartsWith('/'))];

    /// <summary>`ENV PATH=/opt/tool/bin:$PATH` on a base whose config has no PATH: RUN finds ls, and RUN and the image
    /// see Docker's default PATH after the tool's (BuildKit: "make sure that PATH is always set").</summary>
    [Fact]
    public void A_base_without_path_gets_the_default_one_for_expansion_run_and_the_image()
    {
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            ENV PATH=/opt/tool/bin:$PATH
            RUN echo "$PATH" > /path-in-run && ls / > /dev/null
            """);
        var build = Build("path.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        string image = Path.Combine(dir, "path.sif");
        Assert.Equal($"/opt/tool/bin:{DefaultPath}\n", Hpcrun.Run(["exec", image, "cat", "/path-in-run"], env).Stdout);
        Assert.Equal($"/opt/tool/bin:{DefaultPath}\n",
            Hpcrun.Run(["exec", "--cleanenv", image, "sh", "-c", "echo $PATH"], env).Stdout);
    }

    /// <summary>The /etc/hosts a RUN needed as a mount point (the base has none) is not in the image, as BuildKit
    /// removes its mount stubs; the /etc/resolv.conf the recipe copied is, with what it holds.</summary>
    [Fact]
    public void The_mount_points_a_run_needed_stay_out_of_the_image_and_what_the_recipe_wrote_stays()
    {
        Write("resolv.conf", "nameserver 192.0.2.1\n");
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            RUN test -e /etc/hosts
            COPY resolv.conf /etc/resolv.conf
            RUN test -s /etc/resolv.conf
            """);
        var build = Build("--sqfs", "stubs.sqfs", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        List<string> listing = Listing("stubs.sqfs");
        Assert.DoesNotContain("/etc/hosts", listing);
        Assert.Contains("/etc/resolv.conf", listing);
        Assert.Equal("nameserver 192.0.2.1\n",
            TestEnvironment.RunChecked("unsquashfs", "-cat", Path.Combine(dir, "stubs.sqfs"), "/etc/resolv.conf"));
    }

    /// <summary>USER is recorded in the image, but RUN still runs as the build's root: the build says so once, at
    /// the first RUN that runs while the user is another than root, with its line.</summary>
    [Fact]
    public void User_is_recorded_and_the_build_says_once_that_run_still_runs_as_root()
    {
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            USER root
            RUN true
            USER nobody
            RUN id -u > /uid
            USER 1000:1000
            RUN true
            """);
        var build = Build("--sqfs", "user.sqfs", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal("hpcrun: warning: Dockerfile:5: RUN runs as root here, not as USER nobody (uid 0 in the build's " +
            "user namespace: hpcrun has no other uid to switch to); the image records the user, and jobs run as " +
            "whoever starts them", Assert.Single(build.Stderr.Split('\n'), l => l.Contains("warning")));
        Assert.Equal("0\n", TestEnvironment.RunChecked("unsquashfs", "-cat", Path.Combine(dir, "user.sqfs"), "/uid"));
        Assert.Equal("1000:1000", Config("user.sqfs").GetProperty("user").GetString());
    }

    /// <summary>A USER that no RUN follows changes nothing the build runs: it is recorded without a word. A base
    /// image whose config sets a user is the same case as a USER: the first RUN of a Dockerfile, or the %post of a
    /// definition file, FROM it says it runs as root.</summary>
    [Fact]
    public void A_user_no_run_follows_says_nothing_and_a_base_images_user_is_said_at_the_first_run()
    {
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            RUN true
            USER nobody
            """);
        var base_ = Build("base.sif", "Dockerfile");
        Assert.True(base_.ExitCode == 0, base_.ToString());
        Assert.DoesNotContain("warning", base_.Stderr);

        Write("Dockerfile", "FROM ./base.sif\nLABEL a=b\nRUN true\n");
        var docker = Build("--sqfs", "docker.sqfs", "Dockerfile");
        Assert.True(docker.ExitCode == 0, docker.ToString());
        Assert.Contains("hpcrun: warning: Dockerfile:3: RUN runs as root here, not as the user nobody its base image " +
            "sets (uid 0 ", docker.Stderr);

        Write("app.def", "Bootstrap: localimage\nFrom: base.sif\n%post\n    true\n");
        var definition = Build("--sqfs", "def.sqfs", "app.def");
        Assert.True(definition.ExitCode == 0, definition.ToString());
        Assert.Contains("hpcrun: warning: app.def:3: %post runs as root here, not as the user nobody its base image " +
            "sets (uid 0 ", definition.Stderr);

        Write("Dockerfile", "FROM ./base.sif\nUSER root\nRUN true\n");
        var root = Build("--sqfs", "root.sqfs", "Dockerfile");
        Assert.True(root.ExitCode == 0, root.ToString());
        Assert.DoesNotContain("warning", root.Stderr);
    }

    /// <summary>`# escape=``: the backtick continues a RUN and escapes in ENV (a blank, a `$`), while a backslash is a
    /// plain character, as BuildKit builds a Windows-style Dockerfile.</summary>
    [Fact]
    public void The_backtick_escape_directive_builds_as_buildkit_reads_it()
    {
        Write("Dockerfile", $"""
            # escape=`
            FROM {TestImages.BusyboxTree}
            ENV DIR=C:\app SAID=a` b LITERAL=`$HOME
            RUN printf '%s|%s|%s\n' "$DIR" "$SAID" "$LITERAL" > /seen && `
                echo continued >> /seen
            """);
        var build = Build("--sqfs", "escape.sqfs", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal("C:\\app|a b|$HOME\ncontinued\n",
            TestEnvironment.RunChecked("unsquashfs", "-cat", Path.Combine(dir, "escape.sqfs"), "/seen"));
    }

    /// <summary>COPY and ADD --chmod, octal (also the mode of the directories made on the way) and symbolic (each
    /// file's own mode changed; a copied directory's destination 0755); --link writes the destination path as
    /// directories, replacing a symlink there, where a plain COPY follows it.</summary>
    [Fact]
    public void Chmod_sets_the_modes_buildkit_sets_and_link_replaces_a_symlink_on_the_way()
    {
        Write("a.txt", "a\n", (UnixFileMode)0b110_100_100);
        Write("b.txt", "b\n", (UnixFileMode)0b110_100_100);
        Write("c.txt", "c\n", (UnixFileMode)0b110_100_100);
        Write("dir/sub/f", "f\n", (UnixFileMode)0b110_000_000);
        Write("dir/x", "#!/bin/sh\n", (UnixFileMode)0b111_000_000);
        File.SetUnixFileMode(Path.Combine(dir, "dir/sub"), (UnixFileMode)0b111_000_000);
        TestEnvironment.RunChecked("chown", "-R", TestEnvironment.User, dir); // the build's user reads them
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            RUN mkdir /real /real2 && ln -s /real /lnk && ln -s /real2 /lnk2
            COPY --chmod=755 a.txt /w/exe
            COPY --chmod=u=rwX,go=rX dir /d/
            ADD --chmod=600 b.txt /b.txt
            COPY --link c.txt /lnk/c.txt
            COPY c.txt /lnk2/c.txt
            COPY --link --chmod=750 c.txt /l2/sub/c.txt
            RUN stat -c '%a %n' /w /w/exe /d /d/sub /d/sub/f /d/x /b.txt /l2 /l2/sub /l2/sub/c.txt > /modes && \
                test -d /lnk && ! test -L /lnk && test -f /lnk/c.txt && ! test -e /real/c.txt && \
                test -L /lnk2 && test -f /real2/c.txt && echo ok > /links
            """);
        var build = Build("modes.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        var modes = Hpcrun.Run(["exec", Path.Combine(dir, "modes.sif"), "cat", "/modes", "/links"], env);
        Assert.Equal("755 /w\n755 /w/exe\n755 /d\n755 /d/sub\n644 /d/sub/f\n755 /d/x\n600 /b.txt\n750 /l2\n" +
            "750 /l2/sub\n750 /l2/sub/c.txt\nok\n", modes.Stdout);
    }

    /// <summary>BuildKit reads ctx/docker/app.dockerfile.dockerignore, beside the Dockerfile, before
    /// CONTEXT/.dockerignore.</summary>
    [Fact]
    public void The_dockerfile_own_ignore_file_wins_over_the_context_one()
    {
        Write("ctx/keep.txt", "kept\n");
        Write("ctx/secret.txt", "no\n");
        Write("ctx/.dockerignore", "keep.txt\n");
        Write("ctx/docker/app.dockerfile.dockerignore", "secret.txt\ndocker\n");
        Write("ctx/docker/app.dockerfile", $"FROM {TestImages.BusyboxTree}\nCOPY . /app/\n");
        var build = Build("-f", "ctx/docker/app.dockerfile", "--sqfs", "app.sqfs", "ctx");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal(["/app/.dockerignore", "/app/keep.txt"],
            Listing("app.sqfs").Where(p => p.StartsWith("/app/", StringComparison.Ordinal)));
    }

    /// <summary>FROM --platform: scratch gives the platform asked for, recorded in the image; the automatic platform
    /// ARGs expand in FROM and in a stage.</summary>
    [Fact]
    public void From_platform_is_recorded_and_the_platform_args_expand()
    {
        Write("a.txt", "a\n");
        Write("Dockerfile", "FROM --platform=linux/arm64 scratch\nCOPY a.txt /a.txt\n");
        var build = Build("arm.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("\"architecture\": \"arm64\"",
            Hpcrun.Run(["inspect", "--json", Path.Combine(dir, "arm.sif")], env).Stdout);
        Write("Dockerfile", $"""
            FROM --platform=$BUILDPLATFORM {TestImages.BusyboxTree}
            ARG TARGETARCH
            RUN echo "$TARGETARCH" > /arch
            """);
        var own = Build("own.sif", "Dockerfile");
        Assert.True(own.ExitCode == 0, own.ToString());
        Assert.Equal("amd64\n", Hpcrun.Run(["exec", Path.Combine(dir, "own.sif"), "cat", "/arch"], env).Stdout);
    }

    /// <summary>ONBUILD as Docker has it: the base records its triggers (OnBuild) without running them; a build FROM
    /// that SIF runs them right after FROM, in order, before its own instructions; its image records none, so a
    /// build FROM it runs none again.</summary>
    [Fact]
    public void Onbuild_triggers_run_in_the_child_and_are_not_inherited_by_the_grandchild()
    {
        Write("base.dockerfile", $$"""
            FROM {{TestImages.BusyboxTree}}
            ONBUILD RUN echo "trigger saw ${FROM_BASE}" >> /triggered
            ONBUILD ENV FROM_TRIGGER=yes
            ENV FROM_BASE=base
            """);
        var base_ = Build("base.sif", "base.dockerfile");
        Assert.True(base_.ExitCode == 0, base_.ToString());
        Assert.Equal(["RUN echo \"trigger saw ${FROM_BASE}\" >> /triggered", "ENV FROM_TRIGGER=yes"],
            Config("base.sif").GetProperty("onBuild").EnumerateArray().Select(e => e.GetString()));
        Assert.NotEqual(0,
            Hpcrun.Run(["exec", Path.Combine(dir, "base.sif"), "test", "-e", "/triggered"], env).ExitCode);

        Write("child.dockerfile", "FROM ./base.sif\nRUN test \"$FROM_TRIGGER\" = yes && cp /triggered /seen\n");
        var child = Build("child.sif", "child.dockerfile");
        Assert.True(child.ExitCode == 0, child.ToString());
        // The triggers are parts of the FROM's step: the total, known before the base is, stays as it was shown.
        Assert.Contains("hpcrun: [1/2] line 1: FROM ./base.sif\n", child.Stderr);
        Assert.Contains("hpcrun: [1.1/2] line 1: ONBUILD RUN echo \"trigger saw ${FROM_BASE}\" >> /triggered\n",
            child.Stderr);
        Assert.Contains("hpcrun: [1.2/2] line 1: ONBUILD ENV FROM_TRIGGER=yes\n", child.Stderr);
        Assert.Contains("hpcrun: [2/2] line 2: RUN", child.Stderr);
        string image = Path.Combine(dir, "child.sif");
        Assert.Equal("trigger saw base\n", Hpcrun.Run(["exec", image, "cat", "/seen"], env).Stdout);
        Assert.Contains("FROM_TRIGGER=yes", Config("child.sif").GetProperty("env").EnumerateArray()
            .Select(e => e.GetString()));
        Assert.False(Config("child.sif").TryGetProperty("onBuild", out _));

        Write("grandchild.dockerfile", "FROM ./child.sif\nRUN test \"$FROM_TRIGGER\" = yes\n");
        var grandchild = Build("grandchild.sif", "grandchild.dockerfile");
        Assert.True(grandchild.ExitCode == 0, grandchild.ToString());
        Assert.Equal("trigger saw base\n",
            Hpcrun.Run(["exec", Path.Combine(dir, "grandchild.sif"), "cat", "/triggered"], env).Stdout);
    }

    /// <summary>A trigger that fails stops the build as its instruction would, in one line that names the FROM whose
    /// base it came from and which of its triggers it was, at that FROM's line.</summary>
    [Fact]
    public void A_failing_trigger_names_the_base_it_came_from()
    {
        Write("base.dockerfile", $"FROM {TestImages.BusyboxTree}\nONBUILD ENV A=1\nONBUILD RUN exit 3\n");
        Assert.Equal(0, Build("bad.sif", "base.dockerfile").ExitCode);
        Write("Dockerfile", "# the child\nFROM ./bad.sif\nRUN true\n");
        var build = Build("out.sif", "Dockerfile");
        Assert.Equal((110, "hpcrun: FROM ./bad.sif, ONBUILD trigger 2 of 2: RUN at line 2 failed with exit status 3"),
            (build.ExitCode, build.Stderr.TrimEnd('\n').Split('\n')[^1]));
        Assert.False(File.Exists(Path.Combine(dir, "out.sif")));
    }

    /// <summary>A --build-arg that only an ARG of the base's ONBUILD trigger declares is used, as Docker counts it
    /// once the build ran: no warning for it, and the trigger's RUN reads its value; one no ARG declares is
    /// warned about.</summary>
    [Fact]
    public void A_build_arg_declared_by_a_trigger_is_used()
    {
        Write("base.dockerfile", $"FROM {TestImages.BusyboxTree}\nONBUILD ARG WHO\nONBUILD RUN echo \"$WHO\" > /who\n");
        Assert.Equal(0, Build("base.sif", "base.dockerfile").ExitCode);
        Write("Dockerfile", "FROM ./base.sif\n");
        var build = Build("--build-arg", "WHO=alice", "--build-arg", "UNREAD=1", "out.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("hpcrun: warning: --build-arg UNREAD: not used by the recipe\n", build.Stderr);
        Assert.Equal("alice\n", Hpcrun.Run(["exec", Path.Combine(dir, "out.sif"), "cat", "/who"], env).Stdout);
    }

    /// <summary>Only the stages the image needs are built, as BuildKit builds them: a failing stage of tests the
    /// last stage does not use is not run; `--target` writes a named stage's image and builds what it needs (by FROM
    /// and COPY --from, by name or index); a --target no stage has is 111.</summary>
    [Fact]
    public void Only_the_stages_the_image_needs_are_built_and_target_names_one()
    {
        Write("Dockerfile", $$"""
            FROM {{TestImages.BusyboxTree}} AS base
            RUN echo base > /base
            FROM base AS tests
            RUN echo tests ran; exit 1
            FROM {{TestImages.BusyboxTree}} AS tool
            RUN echo tool > /tool
            FROM base AS app
            COPY --from=2 /tool /tool
            RUN cat /base /tool > /app
            """);
        var build = Build("app.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotContain("tests ran", build.Stdout + build.Stderr);
        Assert.Contains("hpcrun: [1/7] line 1: FROM", build.Stderr);
        Assert.Contains("hpcrun: [7/7] line 9: RUN cat /base /tool > /app\n", build.Stderr);
        Assert.Equal("base\ntool\n", Hpcrun.Run(["exec", Path.Combine(dir, "app.sif"), "cat", "/app"], env).Stdout);

        var tool = Build("--target", "TOOL", "tool.sif", "Dockerfile");
        Assert.True(tool.ExitCode == 0, tool.ToString());
        Assert.Contains("hpcrun: [2/2] line 6: RUN echo tool > /tool\n", tool.Stderr);
        Assert.Equal(1, Hpcrun.Run(["exec", Path.Combine(dir, "tool.sif"), "test", "-e", "/base"], env).ExitCode);

        var tests = Build("--target", "tests", "tests.sif", "Dockerfile");
        Assert.Equal(110, tests.ExitCode);
        Assert.Contains("tests ran", tests.Stdout + tests.Stderr);

        var none = Build("--target", "nope", "none.sif", "Dockerfile");
        Assert.Equal(111, none.ExitCode);
        Assert.EndsWith("--target nope: no stage is named so (FROM IMAGE AS nope)\n", none.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "none.sif")) || File.Exists(Path.Combine(dir, "tests.sif")));
    }

    /// <summary>An image built FROM a local SIF records the SIF's platform, not the host's: an arm64 base (no RUN
    /// needs to run there) gives an arm64 image, from a Dockerfile and from a definition file's localimage.</summary>
    [Fact]
    public void A_local_sif_base_gives_its_own_platform_to_the_image_built()
    {
        File.Copy(TestImages.ApptainerArm64Sif, Path.Combine(dir, "arm.sif"));
        File.SetUnixFileMode(Path.Combine(dir, "arm.sif"), (UnixFileMode)0b110_100_100);
        Write("a.txt", "a\n");
        Write("Dockerfile", "FROM ./arm.sif\nCOPY a.txt /a.txt\n");
        Write("arm.def", "Bootstrap: localimage\nFrom: arm.sif\n\n%labels\n    purpose test\n");
        foreach ((string output, string recipe) in new[] { ("docker.sif", "Dockerfile"), ("def.sif", "arm.def") })
        {
            var build = Build(output, recipe);
            Assert.True(build.ExitCode == 0, build.ToString());
            string json = Hpcrun.Run(["inspect", "--json", Path.Combine(dir, output)], env).Stdout;
            Assert.Contains("\"architecture\": \"arm64\"", json);
            Assert.Contains("\"platform\": \"linux/arm64\"", json);
        }
    }

    /// <summary>What hpcrun does not do is refused with its line and status 111, in one last line and with no .NET
    /// text, and writes nothing.</summary>
    [Theory]
    [InlineData("RUN cat <<EOF > /etc/conf\nKEY=VALUE\nEOF", "Dockerfile:2: RUN with a heredoc (<<EOF) is not " +
        "supported: write the lines out, or COPY a file of the build context")]
    [InlineData("COPY <<EOF /etc/conf\nKEY=VALUE\nEOF", "Dockerfile:2: COPY with a heredoc (<<EOF) is not " +
        "supported: write the lines out, or COPY a file of the build context")]
    [InlineData("COPY --chmod=64a a.txt /a", "Dockerfile:2: COPY --chmod=64a: '64a' is not a mode: octal takes 0 " +
        "to 7777")]
    [InlineData("ADD --chmod=u+q a.txt /a", "Dockerfile:2: ADD --chmod=u+q: 'u+q' is not a mode: give octal (755) " +
        "or symbolic (u=rwX,go=rX) permissions")]
    [InlineData("COPY --link=maybe a.txt /a", "Dockerfile:2: COPY --link=maybe: give true or false")]
    [InlineData("COPY --from=$STAGE /a /a", "Dockerfile:2: COPY --from=$STAGE: variables are not expanded in " +
        "--from: name a stage whose FROM uses the ARG (declared before the first FROM)")]
    [InlineData("FROM --platform=linux/arm64 BUSYBOX", "Dockerfile:2: FROM BUSYBOX: the image is for amd64 (its " +
        "/bin/sh is a program for x86_64), not linux/arm64, and hpcrun records an image as what it is: leave " +
        "--platform out, or start from an image for linux/arm64")]
    [InlineData("ONBUILD ONBUILD RUN true", "Dockerfile:2: ONBUILD ONBUILD: chaining ONBUILD is not allowed (nor in " +
        "Docker): a trigger runs in the build FROM this image and is not passed on")]
    [InlineData("ONBUILD FROM scratch", "Dockerfile:2: ONBUILD FROM: FROM is not allowed as an ONBUILD trigger (nor " +
        "in Docker)")]
    [InlineData("ENV A=1 stray B=2", "Dockerfile:2: ENV: syntax error: can't find = in \"stray\": each word must be " +
        "of the form NAME=VALUE")]
    [InlineData("ADD https://deb.debian.org/debian/README /opt/", "Dockerfile:2: ADD " +
        "https://deb.debian.org/debian/README: URLs are not supported (RUN curl or wget to download it, or download " +
        "it first and COPY it)")]
    [InlineData("ADD a.tar.gz /opt/", "Dockerfile:2: ADD a.tar.gz: archives are not supported (COPY the file and RUN " +
        "tar)")]
    public void What_hpcrun_does_not_do_is_one_clear_line(string instruction, string message)
    {
        Write("a.txt", "a\n");
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\n{instruction.Replace("BUSYBOX",
            TestImages.BusyboxTree)}\n");
        var build = Build("out.sif", "Dockerfile");
        Assert.Equal(111, build.ExitCode);
        Assert.Equal($"hpcrun: {message.Replace("BUSYBOX", TestImages.BusyboxTree)}",
            build.Stderr.TrimEnd('\n').Split('\n')[^1]);
        Assert.DoesNotContain("Exception", build.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "out.sif")));
    }

    /// <summary>A Dockerfile named like no recipe that starts with parser directives and an ARG is built as one;
    /// its continued lines join as BuildKit joins them (the backslash and line break removed, nothing added, the
    /// next line's leading blanks kept), and inspect shows its CMD as a shell reads it back.</summary>
    [Fact]
    public void A_dockerfile_starting_with_directives_and_arg_is_built_its_continued_lines_joined_as_buildkit_does()
    {
        Write("app.docker", $$"""
            # syntax=docker/dockerfile:1
            # check=skip=all
            ARG BASE={{TestImages.BusyboxTree}}
            FROM $BASE
            ENV P=/opt/a/bin:\
            /opt/b/bin
            LABEL legacy form
            RUN echo abc\
            def > /joined && printf '%s\n' 'x \
               y' >> /joined
            CMD ["/bin/sh", "-c", "echo \"cmd: $P\""]
            """);
        var build = Build("app.sif", "app.docker");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal("abcdef\nx    y\n",
            Hpcrun.Run(["exec", Path.Combine(dir, "app.sif"), "cat", "/joined"], env).Stdout);
        var config = Config("app.sif");
        Assert.Contains("P=/opt/a/bin:/opt/b/bin",
            config.GetProperty("env").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("form", config.GetProperty("labels").GetProperty("legacy").GetString());
        Assert.Contains("Cmd:          /bin/sh -c 'echo \"cmd: $P\"'\n",
            Hpcrun.Run(["inspect", Path.Combine(dir, "app.sif")], env).Stdout);
    }

    /// <summary>`hpcrun build Dockerfile out.sif`, by docker build's habit: a usage error that says so, never a build
    /// into the recipe, not even with --force.</summary>
    [Fact]
    public void Arguments_given_the_wrong_way_round_are_said_to_look_swapped()
    {
        string recipe = Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\n");
        var swapped = Build("Dockerfile", "out.sif");
        Assert.Equal((64, "hpcrun: the arguments look swapped: Dockerfile is a recipe, and out.sif does not exist; " +
            "OUT comes first: hpcrun build [OPTIONS] out.sif Dockerfile\n"), (swapped.ExitCode, swapped.Stderr));
        Assert.Equal(0, Build("out.sif", "Dockerfile").ExitCode);
        var forced = Build("--force", "Dockerfile", "out.sif");
        Assert.Equal((64, "hpcrun: the arguments look swapped: Dockerfile is a recipe, and out.sif an image, which a " +
            "build writes; OUT comes first: hpcrun build [OPTIONS] out.sif Dockerfile\n"),
            (forced.ExitCode, forced.Stderr));
        Assert.Equal($"FROM {TestImages.BusyboxTree}\n", File.ReadAllText(recipe));
        File.Delete(recipe); // no recipe there: it wrote a SIF named Dockerfile
        var missing = Build("Dockerfile", "out.sif");
        Assert.Equal((64, "hpcrun: the arguments look swapped: Dockerfile is named as a recipe, and out.sif an " +
            "image, which a build writes; OUT comes first: hpcrun build [OPTIONS] out.sif Dockerfile\n"),
            (missing.ExitCode, missing.Stderr));
        Assert.False(File.Exists(recipe));
    }

    /// <summary>WORKDIR makes its directory (0755, relative to the WORKDIR before it, `..` cleaned) even when
    /// nothing uses it; a COPY destination `.`, `./`, `/x/.` or `dir/.` is a directory the file goes into. The
    /// image's job can start in its working directory, and a rebuild from the cache gives the same tree.</summary>
    [Fact]
    public void Workdir_makes_its_directory_and_a_dot_destination_is_a_directory()
    {
        Write("requirements.txt", "flask\n");
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            WORKDIR /app
            COPY requirements.txt .
            RUN cat requirements.txt > /seen
            WORKDIR sub
            COPY requirements.txt ./
            WORKDIR ../other/./deep/
            COPY requirements.txt /x/.
            COPY requirements.txt dir/.
            RUN pwd > /pwd && stat -c '%a %F %n' /app /app/sub /app/other /app/other/deep > /modes
            WORKDIR /opt/work
            CMD ["pwd"]
            """);
        foreach (string output in new[] { "work.sif", "cached.sif" })
        {
            var build = Build(output, "Dockerfile");
            Assert.True(build.ExitCode == 0, build.ToString());
            if (output == "cached.sif") // WORKDIR /app's directory is a step the cache keeps
                Assert.Contains("hpcrun: [2/12] cached\n", build.Stderr);
            string image = Path.Combine(dir, output);
            Assert.Equal("flask\n/app/other/deep\n755 directory /app\n755 directory /app/sub\n" +
                "755 directory /app/other\n755 directory /app/other/deep\n",
                Hpcrun.Run(["exec", image, "cat", "/seen", "/pwd", "/modes"], env).Stdout);
            var copied = Hpcrun.Run(["exec", image, "cat", "/app/sub/requirements.txt", "/x/requirements.txt",
                "/app/other/deep/dir/requirements.txt"], env);
            Assert.Equal(("flask\nflask\nflask\n", 0), (copied.Stdout, copied.ExitCode));
            // The job starts in the image's working directory where it cannot start in the caller's.
            var run = Hpcrun.Script("d=$(mktemp -d) && cd $d && rmdir $d && exec \"$H\" run \"$1\"",
                ["bash", image], env);
            Assert.Equal(("/opt/work\n", 0), (run.Stdout, run.ExitCode));
            Assert.Equal("/opt/work", Config(output).GetProperty("workingDir").GetString());
        }
    }

    /// <summary>A WORKDIR at or below a file of the image is refused (112) as BuildKit's mkdir fails there, in one
    /// line, where the directory replaced the file.</summary>
    [Theory]
    [InlineData("/bin/busybox/x")]
    [InlineData("/bin/busybox")]
    public void A_workdir_at_a_file_of_the_image_is_refused(string workdir)
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nWORKDIR {workdir}\n");
        var build = Build("out.sif", "Dockerfile");
        Assert.Equal((112, "hpcrun: WORKDIR at line 2: cannot write below /bin/busybox: it is a file in the image, " +
            "not a directory"), (build.ExitCode, build.Stderr.TrimEnd('\n').Split('\n')[^1]));
        Assert.False(File.Exists(Path.Combine(dir, "out.sif")));
    }

    /// <summary>A source named directly that is a symlink is followed, as BuildKit follows it: the file it leads to
    /// is copied, under the destination's name or, into a directory, the link's own; symlinks inside a copied
    /// directory stay symlinks. From a stage, the link is resolved in that stage's root (`/bin/sh` -> busybox, an
    /// absolute link, a link to a directory on the way), never on the host.</summary>
    [Fact]
    public void A_symlink_named_as_a_source_is_followed_inside_its_context_or_stage()
    {
        Write("real.txt", "real\n");
        File.CreateSymbolicLink(Path.Combine(dir, "link.txt"), "real.txt");
        Write("tree/f", "f\n");
        File.CreateSymbolicLink(Path.Combine(dir, "tree/inner"), "f");
        File.CreateSymbolicLink(Path.Combine(dir, "treelink"), "tree");
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree} AS build
            RUN mkdir /data && echo data > /data/f && ln -s /data /dl && ln -s /data/f /abs
            FROM {TestImages.BusyboxTree}
            COPY link.txt /etc/app.conf
            COPY link.txt /d/
            COPY treelink /t/
            COPY --from=build /bin/sh /sh
            COPY --from=build /abs /abs-copy
            COPY --from=build /dl/f /via-dir-link
            RUN for f in /etc/app.conf /d/link.txt /sh /abs-copy /via-dir-link; do \
                    test -f $f && ! test -L $f || echo "not a file: $f"; done > /check && \
                test -L /t/inner && test "$(readlink /t/inner)" = f && ! test -e /t/treelink && echo ok >> /check
            """);
        var build = Build("links.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        string image = Path.Combine(dir, "links.sif");
        Assert.Equal("ok\nreal\nreal\ndata\ndata\n", Hpcrun.Run(["exec", image, "cat", "/check", "/etc/app.conf",
            "/d/link.txt", "/abs-copy", "/via-dir-link"], env).Stdout);
        Assert.Equal("hi\n", Hpcrun.Run(["exec", image, "/sh", "-c", "echo hi"], env).Stdout);
    }

    /// <summary>A symlink source that leads outside the build context stays refused (112), named directly or
    /// through a wildcard.</summary>
    [Theory]
    [InlineData("COPY out.txt /x")]
    [InlineData("COPY out.* /x/")]
    public void A_symlink_source_out_of_the_context_is_refused(string copy)
    {
        Write("ctx/Dockerfile", $"FROM {TestImages.BusyboxTree}\n{copy}\n");
        Write("outside.txt", "secret\n");
        File.CreateSymbolicLink(Path.Combine(dir, "ctx/out.txt"), "../outside.txt");
        var build = Build("out.sif", "ctx/Dockerfile");
        Assert.Equal(112, build.ExitCode);
        Assert.EndsWith("a symlink leads outside the build context", build.Stderr.TrimEnd('\n'));
        Assert.False(File.Exists(Path.Combine(dir, "out.sif")));
    }

    /// <summary>A destination is cleaned as BuildKit cleans it: `/y/..` is /, `..` after WORKDIR /app is /, and one
    /// that cleans to a directory of the image is a directory the file goes into; where it was an internal
    /// error.</summary>
    [Fact]
    public void A_destination_with_dot_dot_is_cleaned_and_a_directory_it_names_is_one()
    {
        Write("f.txt", "f\n");
        Write("g.txt", "g\n");
        Write("h.txt", "h\n");
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree}
            COPY f.txt /y/..
            WORKDIR /app
            COPY g.txt ..
            COPY h.txt ./sub/..
            COPY h.txt /new/file/..
            """);
        var build = Build("--sqfs", "clean.sqfs", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        List<string> listing = Listing("clean.sqfs");
        Assert.Contains("/f.txt", listing);
        Assert.Contains("/g.txt", listing);
        Assert.Contains("/app/h.txt", listing);
        Assert.Contains("/new", listing);
        Assert.DoesNotContain(listing, p => p.StartsWith("/y", StringComparison.Ordinal) || p.Contains("/sub"));
        Assert.Equal("h\n", TestEnvironment.RunChecked("unsquashfs", "-cat", Path.Combine(dir, "clean.sqfs"), "/new"));
    }

    /// <summary>ENTRYPOINT clears the CMD it inherits (the base image's, an earlier stage's) but not one its own
    /// stage set before it, as BuildKit's dispatchEntrypoint keeps Cmd when the stage set it (`d.cmd.IsSet`, which
    /// a stage does not inherit); a CMD after ENTRYPOINT is kept as ever.</summary>
    [Theory]
    [InlineData("CMD [\"c1\", \"c2\"]\nENTRYPOINT [\"/bin/echo\", \"ep\"]", "ep c1 c2\n")]
    [InlineData("ENTRYPOINT [\"/bin/echo\", \"ep\"]\nCMD [\"c1\", \"c2\"]", "ep c1 c2\n")]
    [InlineData("CMD [\"c1\"]\nFROM base\nENTRYPOINT [\"/bin/echo\", \"ep\"]", "ep\n")]
    [InlineData("CMD [\"c1\"]\nFROM base\nCMD [\"c2\"]\nENTRYPOINT [\"/bin/echo\", \"ep\"]", "ep c2\n")]
    [InlineData("CMD [\"c1\"]\nENTRYPOINT [\"/bin/echo\", \"ep\"]\nFROM base", "ep c1\n")]
    [InlineData("CMD [\"c1\"]\nENTRYPOINT [\"/bin/echo\", \"ep\"]\nFROM base\nENTRYPOINT [\"/bin/echo\"]",
        "\n")]
    public void Entrypoint_clears_an_inherited_cmd_and_keeps_its_own_stages(string stages, string printed)
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree} AS base\n{stages}\n");
        var build = Build("cmd.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal(printed, Hpcrun.Run(["run", Path.Combine(dir, "cmd.sif")], env).Stdout);
    }

    /// <summary>`--build-arg NAME` alone takes NAME from the environment; unset there, it is no --build-arg at all,
    /// as docker buildx's listToMap skips it: the ARG keeps its default and no warning says it went unused. Set but
    /// empty, it is the empty value.</summary>
    [Theory]
    [InlineData(null, "X=[xdef]")]
    [InlineData("", "X=[]")]
    [InlineData("fromenv", "X=[fromenv]")]
    public void A_build_arg_without_a_value_takes_the_environments_or_keeps_the_default(string? value,
        string printed)
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nARG X=xdef\nRUN echo \"X=[$X]\" > /x\n");
        var withValue = new Dictionary<string, string>(env);
        if (value is not null) withValue["X"] = value;
        var build = Hpcrun.Run(["build", "--build-arg", "X", "--build-arg", "UNSET_HERE", "--sqfs", "x.sqfs",
            "Dockerfile"], withValue, cwd: dir);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotContain("warning", build.Stderr);
        Assert.Equal(printed + "\n", TestEnvironment.RunChecked("unsquashfs", "-cat", Path.Combine(dir, "x.sqfs"),
            "/x"));
    }

    /// <summary>COPY --from=IMAGE (a local image here; a registry reference is resolved as FROM resolves it) copies
    /// from that image, as BuildKit's implicit stage `FROM IMAGE` does: a step of its own, cached as that FROM, once
    /// however many COPYs name it; a stage named after the COPY, or an index past it, stays refused.</summary>
    [Fact]
    public void Copy_from_an_image_copies_from_it_as_from_an_implicit_stage()
    {
        string base_ = TestImages.BusyboxTree;
        Write("Dockerfile", $"""
            FROM scratch
            COPY --from={base_} /bin/busybox /bin/busybox
            COPY --from={base_} /bin/sh /bin/sh
            """);
        var build = Build("--sqfs", "img.sqfs", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains($"hpcrun: [3/4] line 2: FROM {base_} (for COPY --from)\n", build.Stderr);
        Assert.Contains("/bin/busybox", Listing("img.sqfs"));
        Assert.Contains("/bin/sh", Listing("img.sqfs"));
        var again = Build("--sqfs", "again.sqfs", "Dockerfile");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("hpcrun: [2/4] cached\n", again.Stderr);
        Assert.Contains("hpcrun: [4/4] cached\n", again.Stderr);

        foreach (string from in (string[])["later", "5"])
        {
            Write("Dockerfile", $"FROM {base_} AS first\nCOPY --from={from} /a /a\nFROM {base_} AS later\n");
            var refused = Build("--target", "first", "no.sif", "Dockerfile");
            Assert.Equal(111, refused.ExitCode);
            Assert.EndsWith($"Dockerfile:2: COPY --from={from}: no such stage before it\n", refused.Stderr);
        }
        Write("Dockerfile", $"FROM {base_}\nCOPY --from=./no/such.sif /a /a\n");
        var missing = Build("no.sif", "Dockerfile");
        Assert.Equal(66, missing.ExitCode);
        Assert.Contains("Dockerfile:2: COPY --from=./no/such.sif: not found", missing.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "no.sif")));
    }

    /// <summary>A stage name BuildKit refuses (parseBuildStageName: a letter, then letters, digits, -, _ and .) is
    /// refused with its line, 111; a name in upper case is the lower-case one.</summary>
    [Theory]
    [InlineData("1bad!")]
    [InlineData("1bad")]
    [InlineData("bad!")]
    [InlineData("-x")]
    [InlineData("a$b")]
    public void An_invalid_stage_name_is_refused_with_its_line(string name)
    {
        Write("Dockerfile", $"FROM {TestImages.BusyboxTree}\nFROM {TestImages.BusyboxTree} AS {name}\n");
        var build = Build("out.sif", "Dockerfile");
        Assert.Equal(111, build.ExitCode);
        Assert.Equal($"hpcrun: Dockerfile:2: FROM ... AS {name}: not a stage name: give a letter, then letters, " +
            "digits, '-', '_' or '.'\n", build.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "out.sif")));
    }

    [Fact]
    public void A_valid_stage_name_is_taken_in_lower_case()
    {
        Write("Dockerfile", $"""
            FROM {TestImages.BusyboxTree} AS Build-1_x.y
            RUN echo built > /built
            FROM {TestImages.BusyboxTree}
            COPY --from=build-1_x.y /built /built
            """);
        var build = Build("out.sif", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
    }

    /// <summary>`build -f RECIPE OUT CONTEXT`: a context that is not there is a missing build source (66), one that
    /// is a file is refused (112), both before any step runs, as docker build checks them; no context at all is a
    /// usage error that says the context is missing.</summary>
    [Fact]
    public void A_missing_or_file_build_context_is_said_before_the_build()
    {
        Write("a.dockerfile", $"FROM {TestImages.BusyboxTree}\nRUN echo ran\n");
        Write("file.txt", "x\n");
        var missing = Build("-f", "a.dockerfile", "o.sif", "nosuchctx");
        Assert.Equal(66, missing.ExitCode);
        Assert.Equal("hpcrun: build context not found: nosuchctx\n", missing.Stderr);
        var file = Build("-f", "a.dockerfile", "o.sif", "file.txt");
        Assert.Equal(112, file.ExitCode);
        Assert.Equal("hpcrun: build context file.txt is not a directory\n", file.Stderr);
        var none = Build("-f", "a.dockerfile", "o.sif");
        Assert.Equal(64, none.ExitCode);
        Assert.Equal("hpcrun: build -f RECIPE needs the build context after OUT (COPY's sources; `.`: the current " +
            "directory, as in docker build -f RECIPE .): hpcrun build [OPTIONS] -f RECIPE OUT CONTEXT\n", none.Stderr);
        Assert.Equal(64, Build("--file=a.dockerfile", "o.sif").ExitCode);
        Assert.False(File.Exists(Path.Combine(dir, "o.sif")));
    }

    /// <summary>`-f -` reads the recipe from stdin, as `docker build -f - CONTEXT` does: COPY reads the context
    /// (its .dockerignore applies), and a second build of the same text is cached.</summary>
    [Fact]
    public void A_recipe_read_from_stdin_builds_and_is_cached()
    {
        Write("ctx/a.txt", "a\n");
        Write("ctx/secret", "s\n");
        Write("ctx/.dockerignore", "secret\n");
        string recipe = $"FROM {TestImages.BusyboxTree}\nCOPY . /ctx/\nRUN ls /ctx > /listed\n";
        var build = Hpcrun.Run(["build", "-f", "-", "--sqfs", "in.sqfs", "ctx"], env, cwd: dir, stdin: recipe);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal("a.txt\n", TestEnvironment.RunChecked("unsquashfs", "-cat", Path.Combine(dir, "in.sqfs"),
            "/listed"));
        var again = Hpcrun.Run(["build", "-f", "-", "--sqfs", "again.sqfs", "ctx"], env, cwd: dir, stdin: recipe);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("hpcrun: [3/3] cached\n", again.Stderr);
        var bad = Hpcrun.Run(["build", "-f", "-", "bad.sif", "ctx"], env, cwd: dir, stdin: "FROM\n");
        Assert.Equal(111, bad.ExitCode);
        Assert.StartsWith("hpcrun: -:1: ", bad.Stderr);
    }
}
