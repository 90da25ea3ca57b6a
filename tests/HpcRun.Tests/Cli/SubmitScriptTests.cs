using System.CommandLine;
using HpcRun.Cli;
using HpcRun.CommandLine;
using HpcRun.Launch;
using HpcRun.Launch.Parts;
using HpcRun.TestSupport;
using HpcRun.Tools.Verbs.Slurm;

namespace HpcRun.Tests.Cli;

/// <summary>`hpcrun submit` writes hpcrun run's launch options into its batch script's `srun hpcrun` line.</summary>
public sealed class SubmitScriptTests : IDisposable
{
    private const string Binary = "/opt/hpcrun/bin/hpcrun";

    /// <summary>What the command lines name, since submit checks that it exists: an image (a directory is one),
    /// bind sources, env files. The job's working directory (-D) for relative paths.</summary>
    private readonly string dir = Directory.CreateTempSubdirectory("hpcrun-submit-script-").FullName;

    public SubmitScriptTests()
    {
        foreach (string name in new[] { "app", "my set", "scratch" })
            Directory.CreateDirectory(Path.Combine(dir, name));
        foreach (string name in new[] { "job.env", "-odd.env" })
            File.WriteAllText(Path.Combine(dir, name), "MODE=slow\n");
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Image => Path.Combine(dir, "app");

    private string Script(params string[] args) => Job(args).Script;

    /// <summary>The job for `submit -D DIR ARGS`, its words read as hpcrun-tools reads them.</summary>
    private HpcRun.Slurm.JobSubmission Job(params string[] args)
    {
        var verb = new SlurmSubmitVerb();
        var root = new CommandLineRoot();
        root.Command.Subcommands.Add(verb.Command);
        ParseResult result = root.Command.Parse(
            ImageCommandLine.JobInArguments(["submit", "-D", dir, .. args], root.Command));
        Assert.Empty(result.Errors);
        return verb.Job(result, Binary);
    }

    /// <summary>What `hpcrun submit ARGS` exits with when nothing listens for it: the status of a refusal.</summary>
    private int Refused(params string[] args) =>
        new HpcRunCli(SlurmVerbs.All).Invoke(["submit", "--url", "http://127.0.0.1:9", "-D", dir, .. args]);

    /// <summary>The words bash hands srun when it runs <paramref name="script"/>.</summary>
    private static string[] SrunWords(string script) =>
        TestEnvironment.RunChecked("bash", "-c", "srun() { printf '%s\\0' \"$@\"; }\n" + script).Split('\0')[..^1];

    /// <summary>What hpcrun would launch for <paramref name="args"/>.</summary>
    private static LaunchRequest Launched(string[] args)
    {
        LaunchRequest? launched = null;
        Assert.Equal(0, new HpcRunCli([], request => { launched = request; return 0; },
                new Dictionary<string, string>())
            .Invoke(args));
        return launched!;
    }

    [Fact]
    public void TheJobsHpcrunLaunchesWhatHpcrunRunWouldWithTheSameOptions()
    {
        string[] options = ["-B", $"{dir}/my set:/data:ro,{dir}/scratch", "--env", "GREETING=hello world",
            "--env", "QUOTE=it's $HOME", "--env-file", "job.env", "--cleanenv", "--fakeroot", "--writable-tmpfs",
            "--pwd", "/data", "--mpi", "host", "--mpi-compat", "full", "--rdma", "none", "--rdma-libs", "host",
            "--contain", "-H", $"{dir}/scratch:/home/me", "--no-mount", "cwd,bind-paths",
            "--mount", $"type=bind,src={dir}/scratch,dst=/m,ro"];
        string[] job = [Image, "sh", "-c", "echo \"$GREETING\""];
        string[] words = SrunWords(Script(["-N", "2", "-n", "4", .. options, job[0], "--", .. job[1..]]));
        Assert.Equal(Binary, words[0]);
        Assert.Equal(job, words[^job.Length..]);
        Assert.Equivalent(Launched(["exec", .. options, .. job]), Launched(words[1..]), strict: true);
    }

    [Fact]
    public void TheSrunLineReadsAsTypedByHand()
    {
        string script = Script("-J", "fit", "-B", $"{dir}/my set:/data", "--env", "MODE=fast", "--env-file=-odd.env",
            "--fakeroot", Image, "--", "./solver", "in.dat");
        Assert.Equal($"srun /opt/hpcrun/bin/hpcrun --bind '{dir}/my set:/data' --env MODE=fast --env-file=-odd.env " +
            $"--fakeroot {Image} ./solver in.dat", script.Split('\n')[2]);
    }

    [Fact]
    public void WithoutLaunchOptionsTheLineIsSrunHpcrunImageCommand() =>
        Assert.Equal($"srun /opt/hpcrun/bin/hpcrun {Image} true",
            Script("--cleanenv=false", Image, "--", "true").Split('\n')[2]);

    [Theory]
    [InlineData("--mpi", "sometimes")]
    [InlineData("--pwd", "relative")]
    [InlineData("-B", "/a:relative")]
    [InlineData("--rdma-libs", "mine")]
    [InlineData("-t", "1h")]
    public void BadValuesAreRefusedBeforeAnythingIsSubmitted(string option, string value) =>
        Assert.Equal((int)ExitCode.Usage, new HpcRunCli(SlurmVerbs.All).Invoke(["submit",
            "--url", "http://127.0.0.1:9", // nothing listens on port 9
            option, value, "/images/app.sqfs", "--", "true"]));

    /// <summary>A home and none, as run refuses them (with their APPTAINER_* variables, which the job inherits).
    /// </summary>
    [Theory]
    [InlineData("--no-home")]
    [InlineData("--no-mount=home")]
    public void AHomeAndNoHomeAreRefusedBeforeAnythingIsSubmitted(string noHome) =>
        Assert.Equal((int)ExitCode.Usage, new HpcRunCli(SlurmVerbs.All).Invoke(["submit",
            "--url", "http://127.0.0.1:9", "-D", dir, "--home", Path.Combine(dir, "scratch"), noHome, Image, "--",
            "true"]));

    /// <summary>Submit reads its command line as the launcher reads `hpcrun [LAUNCH OPTIONS] IMAGE CMD`, and its job
    /// launches what that line typed here would: a "--" before or after the image, options after the image (CMD's,
    /// -v and --help too), a command that starts with '-' or is "--", arguments with spaces, quotes, $, `, newlines,
    /// globs and empty strings, and no command at all (the image's default).</summary>
    [Theory]
    [InlineData("IMG", "./solver", "-v", "in.dat")]
    [InlineData("--", "IMG", "./solver", "-v")]
    [InlineData("--", "IMG", "--", "./solver", "-v")]
    [InlineData("-B", "DIR/scratch", "IMG", "ls", "-B", "/x", "--fakeroot", "--help", "-N", "2")]
    [InlineData("IMG", "-x", "--", "y")]
    [InlineData("IMG", "--", "--", "x")]
    [InlineData("IMG", "--", "-B", "/x")]
    [InlineData("--env", "A=1", "IMG", "sh", "-c", "echo \"$A\" 'it''s' `id` $(id) *; exit 3", "", "a\nb", "@file")]
    [InlineData("-ce", "IMG", "printenv")]
    [InlineData("IMG")]
    [InlineData("--fakeroot", "--", "IMG")]
    public void TheJobLaunchesWhatTheSameWordsGivenToHpcrunWould(params string[] typed)
    {
        typed = [.. typed.Select(w => w.Replace("IMG", Image, StringComparison.Ordinal)
            .Replace("DIR", dir, StringComparison.Ordinal))];
        string[] words = SrunWords(Script(typed));
        Assert.Equal(Binary, words[0]);
        Assert.Equivalent(Launched(typed), Launched(words[1..]), strict: true);
    }

    [Fact]
    public void WhatFollowsTheImageIsTheCommandsNotSubmitsOrTheLaunchers()
    {
        var job = Job("-J", "fit", Image, "./solver", "-J", "x", "-B", "/x", "-v");
        Assert.Equal("fit", job.Name);
        Assert.Equal($"srun /opt/hpcrun/bin/hpcrun {Image} ./solver -J x -B /x -v", job.Script.Split('\n')[2]);
        // A command that is "--" itself keeps a "--" before it, which the launcher drops.
        Assert.Equal($"srun /opt/hpcrun/bin/hpcrun {Image} -- -- x", Script(Image, "--", "--", "x").Split('\n')[2]);
    }

    /// <summary>sbatch's users attach values to its letters (`-N2 -n8`); the launcher's -B/data too, as Apptainer's
    /// parser takes it.</summary>
    [Fact]
    public void ValuesAttachedToOneLetterOptionsAreTaken()
    {
        var job = Job("-N2", "-n8", "-Jfit", $"-B{dir}/scratch", Image, "true");
        Assert.Equal((2, 8, "fit"), (job.Nodes, job.Tasks, job.Name));
        Assert.Equal($"srun /opt/hpcrun/bin/hpcrun --bind {dir}/scratch {Image} true", job.Script.Split('\n')[2]);
        Assert.Equal(Launched(["exec", "-B", $"{dir}/scratch", Image, "true"]).Binds,
            Launched([$"-B{dir}/scratch", Image, "true"]).Binds);
    }

    [Fact]
    public void WithoutACommandTheJobRunsTheImagesDefaultAndIsNamedAfterTheImage()
    {
        var job = Job(Image);
        Assert.Equal($"srun /opt/hpcrun/bin/hpcrun {Image}", job.Script.Split('\n')[2]);
        Assert.Equal("app", job.Name);
    }

    /// <summary>An empty command is refused before anything is sent, with the launcher's status (127); an empty
    /// argument after the command is only an argument.</summary>
    [Fact]
    public void AnEmptyCommandIsRefusedAsTheLauncherRefusesIt()
    {
        var error = Assert.Throws<HpcRunException>(() => Job(Image, ""));
        Assert.Equal((ExitCode.CommandNotFound, CommandPart.EmptyCommand), (error.Code, error.Message));
        Assert.Equal((int)ExitCode.CommandNotFound, Refused(Image, ""));
        Assert.Equal((int)ExitCode.CommandNotFound, Refused(Image, "--", "", "x"));
        Assert.Equal((int)ExitCode.CommandNotFound, Refused("--", Image, ""));
        Assert.Equal($"srun /opt/hpcrun/bin/hpcrun {Image} echo ''", Script(Image, "echo", "").Split('\n')[2]);
    }

    /// <summary>Before the image, an option neither submit nor the launcher has is refused as the launcher refuses
    /// it (64); after "--" the next word is the image even when it starts with '-'.</summary>
    [Fact]
    public void UnknownOptionsBeforeTheImageAreRefusedAndDashDashEndsThem()
    {
        var root = new CommandLineRoot();
        root.Command.Subcommands.Add(new SlurmSubmitVerb().Command);
        var error = Assert.Throws<HpcRunException>(() =>
            ImageCommandLine.JobInArguments(["submit", "--bogus", Image, "true"], root.Command));
        Assert.Equal("unknown option '--bogus' for submit (see 'hpcrun submit --help')", error.Message);
        Assert.Equal((int)ExitCode.Usage, Refused("--bogus", Image, "true"));
        Assert.Equal((int)ExitCode.Usage, Refused("--writable", Image, "true"));
        Assert.Equal((int)ExitCode.ImageNotFound, Refused("--", "-odd.sif", "true"));
        Assert.Equal((int)ExitCode.Usage, Refused("-N", "2")); // no image
    }
}
