using System.Reflection;
using System.Runtime.InteropServices;
using HpcRun.Apply;
using HpcRun.Cli;
using HpcRun.CommandLine;
using HpcRun.Group;
using HpcRun.Launch;
using HpcRun.Native;
using HpcRun.Tests.Group;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Native;

/// <summary>
/// Holds the C# side to src/HpcRun/Native/hpcrun.h, the contract with early.c, as runc tests its C
/// nsexec from Go: contract.c, compiled here with gcc against the header, prints the spawn
/// request's layout, the stage codes and the shared names, and reads command lines as early.c
/// does; each is compared with what the C# side declares or parses.
/// </summary>
public class ContractTests
{
    private static readonly Lazy<string> program = new(Compile);

    private static string Compile()
    {
        string binary = Path.Combine(AppContext.BaseDirectory, "contract");
        string repo = TestEnvironment.RepoRoot;
        CommandResult gcc = TestEnvironment.Run("gcc", ["-Wall", "-Wextra", "-Werror",
            "-I", Path.Combine(repo, "src/HpcRun/Native"), Path.Combine(repo, "tests/HpcRun.Tests/Native/contract.c"),
            "-o", binary]);
        Assert.True(gcc.ExitCode == 0, gcc.ToString());
        return binary;
    }

    /// <summary>contract.c's lines, as (kind, name) → the rest.</summary>
    private static Dictionary<(string Kind, string Name), string[]> Header(params string[] args)
    {
        CommandResult run = TestEnvironment.Run(program.Value, args);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' '))
            .ToDictionary(words => (words[0], words.Length > 2 ? words[1] : ""),
                words => words[(words.Length > 2 ? 2 : 1)..]);
    }

    /// <summary>A C name as C# spells it: search_path, SEARCH_PATH → SearchPath.</summary>
    private static string Pascal(string name) =>
        string.Concat(name.ToLowerInvariant().Split('_').Select(word => char.ToUpperInvariant(word[0]) + word[1..]));

    /// <summary>contract.c's lines of one kind, as C# name → number.</summary>
    private static Dictionary<string, int> Numbers(string kind) =>
        Header().Where(e => e.Key.Kind == kind).ToDictionary(e => Pascal(e.Key.Name), e => int.Parse(e.Value[0]));

    [Fact]
    public void TheSpawnRequestHasTheHeadersLayout()
    {
        var header = Header();
        Type request = typeof(ChildProcess.SpawnRequest);
        Assert.Equal(int.Parse(header[("size", "")][0]), Marshal.SizeOf<ChildProcess.SpawnRequest>());
        var cFields = Numbers("offset");
        var csFields = request.GetFields(BindingFlags.Public | BindingFlags.Instance)
            .ToDictionary(f => f.Name, f => (int)Marshal.OffsetOf(request, f.Name));
        Assert.Equal(cFields.OrderBy(f => f.Key), csFields.OrderBy(f => f.Key));
    }

    [Fact]
    public void TheStageCodesAreTheHeaders()
    {
        var cStages = Numbers("stage");
        var csStages = typeof(ChildProcess.ExecStage).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        Assert.Equal(cStages.OrderBy(s => s.Key), csStages.OrderBy(s => s.Key));
    }

    [Fact]
    public void TheExecReportHasTheHeadersLayoutAndDetails()
    {
        var header = Header();
        Assert.Equal([ChildProcess.ExecReport.Size.ToString()], header[("report_size", "")]);
        Assert.Equal([ChildProcess.ExecReport.NameOffset.ToString()], header[("report", "name")]);
        var csDetails = typeof(ChildProcess.ExecDetail).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        Assert.Equal(Numbers("detail").OrderBy(d => d.Key), csDetails.OrderBy(d => d.Key));
    }

    [Fact]
    public void TheGreetingHasTheHeadersLayout()
    {
        var header = Header();
        Type greeting = typeof(SharedContainer.Greeting);
        Assert.Equal(int.Parse(header[("greeting_size", "")][0]), Marshal.SizeOf<SharedContainer.Greeting>());
        Assert.Equal(int.Parse(header[("greeting", "bytes")][0]), (int)Marshal.OffsetOf(greeting, "Bytes"));
        Assert.Equal(int.Parse(header[("greeting", "length")][0]), (int)Marshal.OffsetOf(greeting, "Length"));
        Assert.Equal(int.Parse(header[("greeting", "fds")][0]), (int)Marshal.OffsetOf(greeting, "Fd0"));
        Assert.Equal([((char)NodeGroup.Ready).ToString()], header[("greeting_byte", "")]);
        Assert.Equal([JoinRecipe.Version.ToString()], header[("recipe_version", "")]);
        Assert.Equal([JoinRecipe.Magic], header[("list", "recipe_magic")]);
        Assert.Equal(JoinRecipe.RankVariables, header[("list", "rank_variables")]);
        Assert.Equal(JoinRecipe.TaskVariables.Select(v => v.Name), header[("list", "task_variables")]);
        Assert.Equal([JoinRecipe.FastJoinVariable], header[("list", "fast_join_variable")]);
        foreach (var (name, code) in Numbers("exit")) Assert.Equal((int)Enum.Parse<ExitCode>(name), code);
    }

    /// <summary>A fast-joined job that cannot start is told as the C# side tells it: same line, same status.
    /// </summary>
    [Theory]
    [InlineData(ChildProcess.ExecStage.Exec, 2, ChildProcess.ExecDetail.None, "")]  // ENOENT
    [InlineData(ChildProcess.ExecStage.Exec, 20, ChildProcess.ExecDetail.None, "")] // ENOTDIR
    [InlineData(ChildProcess.ExecStage.Exec, 13, ChildProcess.ExecDetail.None, "")] // EACCES
    [InlineData(ChildProcess.ExecStage.Exec, 13, ChildProcess.ExecDetail.Directory, "")]
    [InlineData(ChildProcess.ExecStage.Exec, 13, ChildProcess.ExecDetail.Noexec, "")]
    [InlineData(ChildProcess.ExecStage.Exec, 2, ChildProcess.ExecDetail.Interpreter, "/usr/bin/python3")]
    [InlineData(ChildProcess.ExecStage.Exec, 2, ChildProcess.ExecDetail.Loader, "/lib64/ld-linux-x86-64.so.2")]
    [InlineData(ChildProcess.ExecStage.Exec, 2, ChildProcess.ExecDetail.Required, "")]
    [InlineData(ChildProcess.ExecStage.Exec, 8, ChildProcess.ExecDetail.Binary, "")] // ENOEXEC
    [InlineData(ChildProcess.ExecStage.Exec, 8, ChildProcess.ExecDetail.NoShell, "")]
    [InlineData(ChildProcess.ExecStage.Exec, 7, ChildProcess.ExecDetail.None, "")] // E2BIG
    [InlineData(ChildProcess.ExecStage.Job, 2, ChildProcess.ExecDetail.Loader, "/lib64/ld-linux-x86-64.so.2")]
    [InlineData(ChildProcess.ExecStage.Job, 2, ChildProcess.ExecDetail.NoEnvShell, "/bin/sh")]
    [InlineData(ChildProcess.ExecStage.Cwd, 2, ChildProcess.ExecDetail.None, "")]
    [InlineData(ChildProcess.ExecStage.Join, 1, ChildProcess.ExecDetail.None, "")]
    [InlineData(ChildProcess.ExecStage.Root, 22, ChildProcess.ExecDetail.None, "")]
    [InlineData(ChildProcess.ExecStage.Seccomp, 22, ChildProcess.ExecDetail.None, "")]
    public void ExecFailuresAreSaidAsTheCSideSaysThem(int stage, int errno, int detail, string name)
    {
        HpcRunException expected =
            ChildProcess.ExecFailure(new(stage, errno, detail, name), "./solver", "/work dir");
        CommandResult c = TestEnvironment.Run(program.Value,
            ["failure", stage.ToString(), errno.ToString(), detail.ToString(), name, "./solver", "/work dir"]);
        Assert.Equal($"status {(int)expected.Code}\nline {expected.Message}\n", c.Stdout);
    }

    /// <summary>Names from the image and the command line with control characters (a #! line with DOS line endings,
    /// an escape sequence) and C1 controls are shown alike by both sides, as \xNN, and a carriage return that ends
    /// the interpreter's name gets the same hint.</summary>
    [Theory]
    [InlineData(ChildProcess.ExecStage.Exec, 2, ChildProcess.ExecDetail.Interpreter, "/bin/sh\r", "./dos.sh", "/w")]
    [InlineData(ChildProcess.ExecStage.Exec, 2, ChildProcess.ExecDetail.Interpreter, "/bin/e\u001b[2J", "./a\tb", "/w")]
    [InlineData(ChildProcess.ExecStage.Exec, 2, ChildProcess.ExecDetail.Loader, "/lib/ld\u0085.so", "./x", "/w")]
    [InlineData(ChildProcess.ExecStage.Exec, 2, ChildProcess.ExecDetail.None, "", "./caf\u00e9\u007f\r", "/w")]
    [InlineData(ChildProcess.ExecStage.Cwd, 2, ChildProcess.ExecDetail.None, "", "./x", "/work\rdir")]
    public void ControlCharactersAreShownAlikeByBothSides(int stage, int errno, int detail, string name,
        string solver, string cwd)
    {
        HpcRunException expected = ChildProcess.ExecFailure(new(stage, errno, detail, name), solver, cwd);
        CommandResult c = TestEnvironment.Run(program.Value,
            ["failure", stage.ToString(), errno.ToString(), detail.ToString(), name, solver, cwd]);
        Assert.Equal($"status {(int)expected.Code}\nline {expected.Message}\n", c.Stdout);
        Assert.DoesNotContain(expected.Message, ch => char.IsControl(ch));
    }

    /// <summary>What the child found out about a program execve refused, in a shell's words and statuses: 127 where a
    /// file is missing (bash: "required file not found"), 126 where one cannot be executed.</summary>
    [Theory]
    [InlineData(2, ChildProcess.ExecDetail.None, "", 127, "command not found in the image")]
    [InlineData(13, ChildProcess.ExecDetail.None, "", 126, "cannot execute: Permission denied")]
    [InlineData(13, ChildProcess.ExecDetail.Directory, "", 126, "cannot execute: Is a directory")]
    [InlineData(13, ChildProcess.ExecDetail.Noexec, "", 126,
        "cannot execute: Permission denied (its file system is mounted noexec)")]
    [InlineData(2, ChildProcess.ExecDetail.Interpreter, "/usr/bin/python3", 127,
        "bad interpreter: /usr/bin/python3 is not in the image")]
    [InlineData(2, ChildProcess.ExecDetail.Interpreter, "/bin/sh\r", 127, "bad interpreter: /bin/sh\\x0D is not in " +
        "the image (the script has DOS (CRLF) line endings: convert it with dos2unix)")]
    [InlineData(2, ChildProcess.ExecDetail.Loader, "/lib/ld-musl-x86_64.so.1", 127,
        "cannot execute: its loader /lib/ld-musl-x86_64.so.1 is not in the image (a program for another system?)")]
    [InlineData(2, ChildProcess.ExecDetail.Required, "", 127, "cannot execute: required file not found")]
    [InlineData(8, ChildProcess.ExecDetail.Binary, "", 126,
        "cannot execute binary file: Exec format error (built for another machine?)")]
    [InlineData(8, ChildProcess.ExecDetail.NoShell, "", 126,
        "cannot execute: it has no #! line, and the image has no /bin/sh to run it as a script")]
    [InlineData(2, ChildProcess.ExecDetail.NoEnvShell, "/bin/sh", 127, "cannot start: /bin/sh, the image's shell " +
        "that runs its environment scripts first, is not in the container (a bind over it?)")]
    public void ExecFailuresSayWhatAShellSays(int errno, int detail, string name, int status, string line)
    {
        HpcRunException failure =
            ChildProcess.ExecFailure(new(ChildProcess.ExecStage.Exec, errno, detail, name), "./solver", null);
        Assert.Equal((status, $"./solver: {line}"), ((int)failure.Code, failure.Message));
    }

    public static TheoryData<string, string[], string[]> Members => new()
    {
        // The job's environment is the first rank's, with the member's own rank variables and task variables.
        { "plain", [], [] },
        { "cleanenv", ["--cleanenv"], [] },
        { "user values", ["--env", "A=$HOME:x"], ["APPTAINERENV_B=${PMIX_NAMESPACE}"] },
        { "image scripts", [], [] },
        { "TMPDIR first", [], [] },
        { "TMPDIR member", [], [] },
        { "TMPDIR set by the user", ["--env", "TMPDIR=/scratch"], [] },
    };

    /// <summary>Slurm's TMPDIR for the one task it starts first, among the others (as `srun -n 4 env` shows).
    /// </summary>
    private static string[] WithTmpdir(string[] entries) => [.. entries[..3], "TMPDIR=/tmp", .. entries[3..]];

    /// <summary>The fast join's rule end to end: the first rank publishes its recipe (JoinRecipe.cs), and
    /// early.c's reading of it (hpcrun.h) gives another rank exactly the job the C# side decides for that rank.
    /// </summary>
    [Theory]
    [MemberData(nameof(Members))]
    public void AMemberGetsTheJobTheCSideDecidesForIt(string what, string[] options, string[] more)
    {
        string[] args = ["exec", .. options, "/images/app.sqfs", "./solver", "in put"];
        LaunchRequest? request = null;
        new HpcRunCli([DoctorVerb.Create(), .. ToolVerbs.Listed], r => { request = r; return 0; },
            environment: new Dictionary<string, string>()).Invoke(args);
        Assert.NotNull(request);
        var files = new Dictionary<string, string?> { ["/bin/sh"] = "" };
        if (what == "image scripts")
        {
            files["/.singularity.d/env"] = null;
            files["/.singularity.d/env/90-environment.sh"] = "export PATH=/opt/x:$PATH\n";
        }
        string[] first = JoinRecipeTests.Rank(0, more), member = JoinRecipeTests.Rank(3, more);
        if (what == "TMPDIR first") first = WithTmpdir(first);
        if (what == "TMPDIR member") member = WithTmpdir(member);
        LaunchContext context = JoinRecipeTests.Context(first, request, files: files);
        string file = Path.Combine(Path.GetTempPath(), $"recipe-{Guid.NewGuid():N}");
        File.WriteAllBytes(file, JoinRecipeTests.Publish(context, first, args));
        try
        {
            CommandResult run = TestEnvironment.Run("env", ["-i", .. member, program.Value, "recipe", file,
                context.Host.Cwd!, "100", "hpcrun", .. args]);
            Assert.True(run.ExitCode == 0, run.ToString());
            ContainerPlan expected = Planner.Decide(context with
            {
                Host = context.Host with { Environment = JoinRecipeTests.ByName(member) },
            });
            // Lines "argv ARG" then "env NAME=VALUE" (an argument may hold newlines: the image scripts' wrapper).
            Assert.StartsWith("parsed 1\nfits 1\n", run.Stdout);
            Assert.EndsWith(string.Concat(expected.Argv.Select(a => $"argv {a}\n"))
                + string.Concat(expected.Environment.Select(e => $"env {e.Key}={e.Value}\n")), run.Stdout);
            Assert.Contains($"\ncwd {expected.WorkingDirectory}\n", run.Stdout);
            Assert.Contains("\nroot /tmp/.hpcrun-root\n", run.Stdout);
            Assert.Contains($"\nwrapped {expected.WrappedJob}\n", run.Stdout);
            Assert.Equal(what == "image scripts", expected.WrappedJob > 0);

            // Another difference than a rank variable's value: the C# side decides.
            CommandResult other = TestEnvironment.Run("env", ["-i", .. member, "OTHER=1", program.Value, "recipe",
                file, context.Host.Cwd!, "100", "hpcrun", .. args]);
            Assert.Contains("fits 0", other.Stdout);
            CommandResult moved = TestEnvironment.Run("env", ["-i", .. member, program.Value, "recipe", file, "/tmp",
                "100", "hpcrun", .. args]);
            Assert.Contains("fits 0", moved.Stdout);
            // A task variable's value the first rank did not prove: the C# side decides.
            string[] elsewhere = [.. member.Where(e => !e.StartsWith("TMPDIR=")), "TMPDIR=/elsewhere"];
            Assert.Contains("fits 0", TestEnvironment.Run("env", ["-i", .. elsewhere, program.Value, "recipe", file,
                context.Host.Cwd!, "100", "hpcrun", .. args]).Stdout);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void ARecipeOfAnotherVersionIsNotRead()
    {
        string[] first = JoinRecipeTests.Rank(0);
        byte[] recipe = JoinRecipeTests.Publish(JoinRecipeTests.Context(first), first);
        string file = Path.Combine(Path.GetTempPath(), $"recipe-{Guid.NewGuid():N}");
        byte[] otherVersion = [.. recipe[..4], (byte)(JoinRecipe.Version + 1), .. recipe[5..]];
        foreach (byte[] bad in new[] { otherVersion, recipe[..^1], [.. recipe, 0] })
        {
            File.WriteAllBytes(file, bad);
            Assert.Contains("parsed 0", TestEnvironment.Run("env", ["-i", .. first, program.Value, "recipe", file,
                "/home/alice/run", "100", "hpcrun", "/images/app.sqfs", "./solver"]).Stdout);
        }
        File.Delete(file);
    }

    [Fact]
    public void TheGroupRolesAreTheHeaders()
    {
        var cRoles = Numbers("role");
        var csRoles = Enum.GetValues<EarlyNamespace.GroupRole>().ToDictionary(r => r.ToString(), r => (int)r);
        Assert.Equal(cRoles.OrderBy(r => r.Key), csRoles.OrderBy(r => r.Key));
    }

    [Fact]
    public void TheRankMarkersAndNamesAreTheHeaders()
    {
        var header = Header();
        var options = new LaunchOptions();
        Assert.Equal(header[("list", "launcher_markers")], LauncherRank.Markers);
        Assert.Equal([NodeSharing.KeyVariable], header[("list", "join_key_variable")]);
        Assert.Equal([NodeSharing.NoJoinVariable], header[("list", "no_join_variable")]);
        Assert.Equal([options.JoinKey.Name], header[("list", "join_key_option")]);
        Assert.Equal([options.NoJoin.Name], header[("list", "no_join_option")]);
        Assert.Equal([Reexec.EarlyVariable], header[("list", "early_variable")]);
        Assert.Equal([HpcRun.Image.Recipe.RecipeStepCommand.ParentVariable], header[("list", "die_with_variable")]);
        Assert.Equal(SettingWord.OffWords, header[("list", "switch_off_words")]);
        Assert.Equal(NodeSharing.JobVariables, header[("list", "job_variables")]);
    }

    private static readonly Dictionary<string, string> Srun = new() { ["SLURM_JOB_ID"] = "7", ["SLURM_STEP_ID"] = "0" };

    public static TheoryData<Dictionary<string, string>, string[]> Launches => new()
    {
        { Srun, ["/images/app.sqfs", "./solver", "--long-argument-past-one-sha256-block", "x"] },
        { Srun, ["--bind", "/a", "--", "/images/app.sqfs", "./other", "-v"] },
        { new() { ["PMIX_RANK"] = "3", ["PMIX_NAMESPACE"] = "ns" }, ["-v", "run", "/images/app.sqfs"] },
        { new() { ["OMPI_COMM_WORLD_RANK"] = "" }, ["/images/app.sqfs"] },
        { new() { ["HOME"] = "/home/alice" }, ["/images/app.sqfs"] },
        { new() { ["HPCRUN_JOIN_KEY"] = "coupled" }, ["/images/app.sqfs"] },
        { new() { ["HPCRUN_JOIN_KEY"] = "" }, ["/images/app.sqfs"] },
        { Srun, ["--join-key", "k", "/images/app.sqfs"] },
        { Srun, ["--no-join", "/images/app.sqfs"] },
        { new(Srun) { ["HPCRUN_NO_JOIN"] = "1" }, ["/images/app.sqfs"] },
        { new(Srun) { ["HPCRUN_NO_JOIN"] = "0" }, ["/images/app.sqfs"] },
        { new(Srun) { ["HPCRUN_NO_JOIN"] = "Off" }, ["/images/app.sqfs"] },
        { new(Srun) { ["HPCRUN_NO_JOIN"] = "yes" }, ["/images/app.sqfs"] },
        { new(Srun) { ["HPCRUN_NO_JOIN"] = "1" }, ["--join-key", "k", "/images/app.sqfs"] },
    };

    /// <summary>early.c elects a node group's first rank under the name NodeSharing.cs gives the launch (which a
    /// rank that early.c left undecided uses): ranks of one job meet at one name whichever side named it.</summary>
    [Theory]
    [MemberData(nameof(Launches))]
    public void EarlyCNamesTheGroupAsNodeSharingDoes(Dictionary<string, string> environment, string[] args)
    {
        string[] variables = [NodeSharing.KeyVariable, NodeSharing.NoJoinVariable, .. LauncherRank.Markers,
            .. NodeSharing.JobVariables];
        string[] unset = [.. variables.Where(v => !environment.ContainsKey(v))];
        LaunchRequest? parsed = null;
        var cli = new HpcRunCli([DoctorVerb.Create(), .. ToolVerbs.Listed], request => { parsed = request; return 0; },
            environment: new Dictionary<string, string>());
        Assert.True(cli.Invoke(args) == 0 && parsed is not null, "hpcrun's parser refused it");
        string? name = NodeSharing.GroupName(parsed.JoinKey, parsed.NoJoin, environment, 1001, 300, "/run",
            args[..(Array.IndexOf(args, parsed.Image) + 1)]);
        CommandResult run = TestEnvironment.Run("env", [.. unset.SelectMany(v => new[] { "-u", v }),
            .. environment.Select(e => $"{e.Key}={e.Value}"), program.Value, "group", "1001", "300", "/run",
            "hpcrun", .. args]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"group {name ?? "(none)"}\n", run.Stdout);
    }

    /// <summary>The ranks of an MPMD job (`mpiexec -n 1 hpcrun img ./a : -n 1 hpcrun img ./b`) were named by their
    /// whole command lines, so each command got a container of its own, across whose user namespaces their MPI's
    /// shared memory fails (MPICH's UCX) or hangs (Open MPI's vader): the job's command is no part of the name.
    /// hpcrun's options and the image still are.</summary>
    [Fact]
    public void TheRanksOfAnMpmdJobNameOneGroupAndOtherOptionsOrImagesAnother()
    {
        string Group(params string[] args)
        {
            CommandResult run = TestEnvironment.Run("env", ["-u", NodeSharing.KeyVariable, "-u",
                NodeSharing.NoJoinVariable, "SLURM_JOB_ID=7", "SLURM_STEP_ID=0", program.Value, "group", "1001", "300",
                "/run", "hpcrun", .. args]);
            Assert.True(run.ExitCode == 0, run.ToString());
            return run.Stdout;
        }
        string name = Group("-B", "/a", "/images/app.sqfs", "./solver");
        Assert.Equal(name, Group("-B", "/a", "/images/app.sqfs", "./analyser", "--in", "x"));
        Assert.Equal(name, Group("-B", "/a", "/images/app.sqfs"));
        Assert.NotEqual(name, Group("-B", "/b", "/images/app.sqfs", "./solver"));
        Assert.NotEqual(name, Group("-B", "/a", "/images/other.sqfs", "./solver"));
        Assert.NotEqual(name, Group("-B", "/a", "run", "/images/app.sqfs", "./solver"));
    }

    /// <summary>early.c must know every launch option that takes a value, to skip it: else a value
    /// such as `--env --no-join` would read as --no-join.</summary>
    [Fact]
    public void TheValueOptionsAndVerbsWithoutContainerAreTheCommandLines()
    {
        var header = Header();
        var valued = new LaunchOptions().All.Where(o => o.ValueType != typeof(bool))
            .SelectMany(o => o.Aliases.Prepend(o.Name));
        Assert.Equal(valued.Order(), header[("list", "value_options")].Order());
        string[] verbs = [DoctorVerb.Create().Name, "version", CommandLineRoot.HelpVerb,
            .. ToolVerbs.Listed.Select(v => v.Name)];
        Assert.Equal(verbs.Order(), header[("list", "verbs_without_container")].Order());
        Assert.Equal(CommandLineRoot.GlobalOptions, header[("list", "global_options")]);
        Assert.Equal(CommandLineRoot.RootOptions, header[("list", "root_options")]);
    }

    public static TheoryData<string[]> CommandLines => new()
    {
        { ["/images/app.sqfs", "./solver"] },
        { ["--no-join", "/images/app.sqfs", "./solver"] },
        { ["/images/app.sqfs", "./solver", "--no-join"] },
        { ["/images/app.sqfs", "--", "--no-join"] },
        { ["--no-join", "--", "/images/app.sqfs", "./solver"] },
        { ["exec", "-B", "/a", "--", "-image-", "./solver"] },
        { ["run", "--no-join", "/images/app.sqfs"] },
        { ["-v", "exec", "--bind", "/a:/b", "--no-join", "/images/app.sqfs", "true"] },
        { ["--debug", "shell", "-B", "/a", "--env", "A=1", "--no-join", "/images/app.sqfs"] },
        { ["--pwd", "/tmp", "/images/app.sqfs", "--join-key", "k", "--no-join"] },
        { ["--env=--no-join", "/images/app.sqfs"] },
        { ["--join-key", "coupled", "/images/app.sqfs", "true"] },
        { ["--join-key=coupled", "--fakeroot", "/images/app.sqfs", "true"] },
        { ["--join-key", "k", "--no-join", "/images/app.sqfs"] },
        { ["--no-join=true", "/images/app.sqfs"] },
        { ["--no-join=False", "/images/app.sqfs"] },
        { ["--rdma", "none", "--rdma-libs", "host", "--mpi", "host", "--mpi-compat", "full", "--env-file", "f",
            "--no-join", "i"] },
        { ["-e", "--cleanenv", "--writable-tmpfs", "--no-join", "-v", "/images/app.sqfs"] },
        { ["-ce", "--no-join", "-u", "/images/app.sqfs", "true"] },
        { ["exec", "-eC", "--join-key", "k", "/images/app.sqfs", "true"] },
        { ["-H", "/h:/home/u", "--mount", "type=bind,src=/a,dst=/b", "--no-mount", "tmp", "--cwd", "/w", "--gpu",
            "none", "--no-join", "/images/app.sqfs"] },
    };

    /// <summary>What early.c reads of a command line is what hpcrun's parser makes of it: the join
    /// options among hpcrun's own, never the job's, and where the image is (what names the group ends there). (A
    /// rank early.c wrongly thought would not join would be left in a container of its own.)</summary>
    [Theory]
    [MemberData(nameof(CommandLines))]
    public void EarlyCReadsTheJoinOptionsAsTheParserDoes(string[] args)
    {
        LaunchRequest? parsed = null;
        var cli = new HpcRunCli([DoctorVerb.Create(), .. ToolVerbs.Listed], request => { parsed = request; return 0; },
            environment: new Dictionary<string, string>()); // no APPTAINER_* settings
        int code = cli.Invoke(args);
        Assert.True(code == 0 && parsed is not null, $"hpcrun's parser refused it: {code}");
        var early = Header(["hpcrun", .. args]);
        Assert.Equal(["1"], early[("runs_container", "")]);
        Assert.Equal([parsed.NoJoin ? "1" : "0"], early[("no_join", "")]);
        Assert.Equal([parsed.JoinKey ?? "(none)"], early[("join_key", "")]);
        Assert.Equal(parsed.Image, args[int.Parse(Assert.Single(early[("image_at", "")])) - 1]);
    }

    /// <summary>early.c's verbosity (what the election logs at) is the one the parser configures logging with.
    /// </summary>
    [Theory]
    [InlineData("exec", "/images/app.sqfs", "true")]
    [InlineData("-s", "exec", "/images/app.sqfs", "true")]
    [InlineData("-q", "/images/app.sqfs", "true")]
    [InlineData("--silent", "--quiet", "run", "/images/app.sqfs")]
    [InlineData("-s", "-v", "exec", "/images/app.sqfs", "true")]
    [InlineData("-s", "exec", "--debug", "/images/app.sqfs", "true")]
    [InlineData("--debug", "-q", "exec", "-v", "/images/app.sqfs", "true")]
    public void EarlyCReadsTheVerbosityAsTheParserDoes(params string[] args)
    {
        var cli = new HpcRunCli([DoctorVerb.Create(), .. ToolVerbs.Listed], _ => 0,
            environment: new Dictionary<string, string>());
        Assert.Equal(0, cli.Invoke(args));
        Assert.Equal([$"{Logging.Verbosity}"], Header(["hpcrun", .. args])[("verbosity", "")]);
    }

    [Theory]
    [InlineData("-s", "build", "out.sif", "Dockerfile")]
    [InlineData("-q", "pull", "docker://debian:12")]
    [InlineData("doctor")]
    [InlineData("-v", "doctor", "--json")]
    [InlineData("--debug", "inspect", "/images/app.sqfs")]
    [InlineData("help", "run")]
    public void VerbsWithoutContainerNeverJoin(params string[] args) =>
        Assert.Equal(["0"], Header(["hpcrun", .. args])[("runs_container", "")]);
}
