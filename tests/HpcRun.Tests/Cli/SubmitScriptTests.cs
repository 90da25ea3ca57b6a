using System.CommandLine;
using HpcRun.Cli;
using HpcRun.Launch;
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

    private string Script(params string[] args)
    {
        var verb = new SlurmSubmitVerb();
        ParseResult result = verb.Command.Parse(["-D", dir, .. args]);
        Assert.Empty(result.Errors);
        return verb.Job(result, Binary).Script;
    }

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
            Script("--cleanenv", "false", Image, "--", "true").Split('\n')[2]);

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
}
