using HpcRun.TestSupport;
using static HpcRun.Slurm.Tests.CannedRuns;

namespace HpcRun.Slurm.Tests;

/// <summary>
/// `hpcrun submit` refuses on the submit host what `hpcrun run` would refuse on the node, with run's
/// status, before it sends anything (issue 11, item 15): the canned slurmrestd must see no request.
/// Relative bind sources and env files are read in the job's working directory (--chdir).
/// </summary>
public sealed class SubmitChecksTests : IDisposable
{
    private const UnixFileMode WorldReadable = (UnixFileMode)0b111_101_101, OwnerOnly = (UnixFileMode)0b110_000_000;

    private readonly CannedHttpServer server = new(200, Samples.Read("submit_response.json"));
    /// <summary>Test files the unprivileged test user can read (the test itself runs as root).</summary>
    private readonly string root =
        Directory.CreateDirectory(Path.Combine(TestImages.Dir, $"submit-{Guid.NewGuid():N}"), WorldReadable).FullName;
    /// <summary>The job's working directory: data/, job.env, bad.env.</summary>
    private readonly string jobDir;

    public SubmitChecksTests()
    {
        jobDir = Directory.CreateDirectory(Path.Combine(root, "job"), WorldReadable).FullName;
        Directory.CreateDirectory(Path.Combine(jobDir, "data"), WorldReadable);
        File.WriteAllText(Path.Combine(jobDir, "job.env"), "GREETING=hello\n");
        File.WriteAllText(Path.Combine(jobDir, "bad.env"), "GOOD=1\nnot an assignment\n");
        File.WriteAllText(Path.Combine(root, "notes.txt"), "not an image\n");
        byte[] image = File.ReadAllBytes(TestImages.BusyboxSquashFs);
        File.WriteAllBytes(Path.Combine(root, "truncated.sqfs"), image[..(image.Length / 2)]);
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
        // Readable by root (the test) only, not by the test user hpcrun runs as.
        File.WriteAllText(Path.Combine(root, "secret.env"), "A=1\n");
        File.SetUnixFileMode(Path.Combine(root, "secret.env"), OwnerOnly);
        File.WriteAllBytes(Path.Combine(root, "root-only.sqfs"), image);
        File.SetUnixFileMode(Path.Combine(root, "root-only.sqfs"), OwnerOnly);
    }

    public void Dispose()
    {
        server.Dispose();
        Directory.Delete(root, recursive: true);
    }

    private static string Image => TestImages.BusyboxSquashFs;

    private CommandResult Submit(string[] args, IDictionary<string, string>? env = null, string? cwd = null) =>
        Run("submit", server.Url, args, env, cwd);

    /// <summary>One line, run's status, and nothing sent.</summary>
    private void AssertRefused(CommandResult run, int status, string start)
    {
        AssertFault(run, status, start);
        Assert.Equal(0, server.Requests);
    }

    [Theory]
    [InlineData("missing.sqfs", 66, "hpcrun: image not found: ROOT/missing.sqfs")]
    [InlineData("root-only.sqfs", 66, "hpcrun: image not readable: ROOT/root-only.sqfs")]
    [InlineData("notes.txt", 65, "hpcrun: ROOT/notes.txt: not an image")]
    [InlineData("truncated.sqfs", 65, "hpcrun: ROOT/truncated.sqfs: truncated SquashFS image")]
    public void A_bad_image_is_refused_with_runs_status(string image, int status, string start) =>
        AssertRefused(Submit([Path.Combine(root, image), "--", "true"]), status, start.Replace("ROOT", root));

    /// <summary>Apptainer's `docker-archive:FILE` (and oci:, oci-archive:), which run refuses with the build that makes
    /// a SIF of it (83).</summary>
    [Fact]
    public void An_archive_given_as_the_image_is_refused_with_the_build_that_makes_a_sif()
    {
        Directory.CreateDirectory($"{root}/saved");
        File.WriteAllText($"{root}/saved/manifest.json", "[]"); // a `docker save` archive's first entry
        TestEnvironment.RunChecked("tar", "-cf", $"{root}/app.tar", "-C", $"{root}/saved", "manifest.json");
        TestEnvironment.RunChecked("chmod", "a+r", $"{root}/app.tar");
        AssertRefused(Submit([$"docker-archive:{root}/app.tar", "--", "true"]), 83,
            $"hpcrun: docker-archive:{root}/app.tar: hpcrun runs an image archive or OCI layout once it is built " +
            $"into a SIF: hpcrun build app.sif docker-archive:{root}/app.tar, then run app.sif");
        AssertRefused(Submit([$"docker-archive:{root}/missing.tar", "--", "true"]), 66,
            $"hpcrun: image not found: docker-archive:{root}/missing.tar");
    }

    [Fact]
    public void A_relative_image_is_read_in_the_current_directory_as_the_script_names_it() =>
        AssertRefused(Submit(["-D", jobDir, "app.sqfs", "--", "true"], cwd: root), 66,
            $"hpcrun: image not found: {root}/app.sqfs");

    [Theory]
    [InlineData("/no/such/dir:/data")]
    [InlineData("DATA:/data,/no/such/dir:/scratch")] // the second of a comma list
    public void A_missing_bind_source_is_67(string bind) =>
        AssertRefused(Submit(["-B", bind.Replace("DATA", Path.Combine(jobDir, "data")), Image, "--", "true"]), 67,
            "hpcrun: bind source does not exist: /no/such/dir");

    /// <summary>Binds Apptainer's variables add, which the job inherits, name the variable as run does.</summary>
    [Theory]
    [InlineData("APPTAINER_BIND", "/no/such/dir:/data")]
    [InlineData("SINGULARITY_BINDPATH", "/no/such/dir")]
    [InlineData("APPTAINER_MOUNT", "src=/no/such/dir,dst=/data")]
    public void A_missing_bind_source_of_apptainers_variable_is_67_naming_it(string variable, string value) =>
        AssertRefused(Submit([Image, "--", "true"], With(variable, value)), 67,
            $"hpcrun: bind source does not exist: /no/such/dir (from {variable})");

    /// <summary>A home the job would bind, from -H or APPTAINER_HOME, is looked for as a bind source is: missing, 67
    /// (the job was sent and failed on the node with run's line), a file, 76.</summary>
    [Theory]
    [InlineData("--home", "/no/such/home", 67, "hpcrun: home directory does not exist: /no/such/home")]
    [InlineData("APPTAINER_HOME", "/no/such/home:/home/me", 67, "hpcrun: home directory does not exist: /no/such/home")]
    [InlineData("--home", "JOB/job.env", 76, "hpcrun: home is not a directory: JOB/job.env")]
    public void A_home_that_is_no_directory_is_refused_with_runs_status(string source, string home, int status,
        string start)
    {
        home = home.Replace("JOB", jobDir);
        CommandResult run = source.StartsWith('-') ? Submit([source, home, Image, "--", "true"])
            : Submit([Image, "--", "true"], With(source, home));
        AssertRefused(run, status, start.Replace("JOB", jobDir));
    }

    [Fact]
    public void A_relative_home_is_read_in_the_jobs_directory() =>
        AssertRefused(Submit(["-D", root, "--home", "data", Image, "--", "true"], cwd: jobDir), 67,
            $"hpcrun: home directory does not exist: {root}/data");

    /// <summary>Under --contain a home the host lacks is where the empty home goes, as run takes it: sent.</summary>
    [Fact]
    public void A_missing_home_under_contain_is_submitted()
    {
        CommandResult run = Submit(["--contain", "--home", "/no/such/home", Image, "--", "true"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void A_relative_bind_source_is_read_in_the_jobs_directory_not_the_current_one() =>
        // data/ exists in the current directory (jobDir), not in --chdir (root)
        AssertRefused(Submit(["-D", root, "-B", "data:/data", Image, "--", "true"], cwd: jobDir), 67,
            $"hpcrun: bind source does not exist: {root}/data");

    [Fact]
    public void An_unreadable_env_file_is_73() =>
        AssertRefused(Submit(["--env-file", Path.Combine(root, "secret.env"), Image, "--", "true"]), 73,
            $"hpcrun: --env-file: cannot read env file {root}/secret.env: Permission denied");

    [Fact]
    public void A_missing_env_file_is_73() =>
        AssertRefused(Submit(["--env-file", Path.Combine(root, "none.env"), Image, "--", "true"]), 73,
            $"hpcrun: --env-file: cannot read env file {root}/none.env: No such file or directory");

    /// <summary>Apptainer's variable of --env-file is read as the node will read it, and named.</summary>
    [Fact]
    public void A_missing_env_file_of_apptainers_variable_is_73_naming_it() =>
        AssertRefused(Submit([Image, "--", "true"], new Dictionary<string, string>
        { ["SINGULARITY_ENV_FILE"] = Path.Combine(root, "none.env") }), 73,
            $"hpcrun: SINGULARITY_ENV_FILE: cannot read env file {root}/none.env: No such file or directory");

    [Fact]
    public void A_malformed_env_file_is_73_and_names_its_line() =>
        AssertRefused(Submit(["--env-file", "bad.env", "-D", jobDir, Image, "--", "true"]), 73,
            $"hpcrun: {jobDir}/bad.env:2: expected NAME=VALUE, got 'not an assignment'");

    [Fact]
    public void A_bad_env_assignment_is_64() =>
        AssertRefused(Submit(["--env", "GREETING", Image, "--", "true"]), 64,
            "hpcrun: bad --env 'GREETING': expected NAME=VALUE");

    [Theory]
    [InlineData("HPCRUN_MPI", "sometimes", "hpcrun: HPCRUN_MPI: expected one of")]
    [InlineData("HPCRUN_MPI_COMPAT", "loose", "hpcrun: HPCRUN_MPI_COMPAT: expected one of")]
    [InlineData("HPCRUN_RDMA", "../mlx5_0", "hpcrun: HPCRUN_RDMA: bad RDMA selection '../mlx5_0'")]
    [InlineData("HPCRUN_RDMA_LIBS", "mine", "hpcrun: HPCRUN_RDMA_LIBS: bad RDMA library choice 'mine'")]
    [InlineData("HPCRUN_OFFLINE", "maybe", "hpcrun: HPCRUN_OFFLINE: 'maybe' is neither on")]
    [InlineData("HPCRUN_NO_JOIN", "maybe", "hpcrun: HPCRUN_NO_JOIN: 'maybe' is neither on")]
    public void A_bad_setting_the_job_inherits_is_64(string variable, string value, string start) =>
        AssertRefused(Submit([Image, "--", "true"], With(variable, value)), 64, start);

    /// <summary>No node reads a site configuration named by a relative path (79), whatever its own files.</summary>
    [Fact]
    public void A_relative_site_configuration_the_job_inherits_is_79() =>
        AssertRefused(Submit([Image, "--", "true"], With("HPCRUN_CONFIG", "hpcrun.conf")), 79,
            "hpcrun: HPCRUN_CONFIG must be an absolute path, not 'hpcrun.conf'");

    /// <summary>APPTAINER_HOME, which the job inherits, is --home's value: with --no-home it contradicts.</summary>
    [Fact]
    public void A_home_the_job_inherits_with_no_home_is_64() =>
        AssertRefused(Submit(["--no-home", Image, "--", "true"], With("APPTAINER_HOME", jobDir)), 64,
            "hpcrun: APPTAINER_HOME contradicts --no-home");

    /// <summary>With host MPI, HPCRUN_MPI_LIBS and HPCRUN_MPI_BIND list absolute paths.</summary>
    [Fact]
    public void A_relative_mpi_path_the_job_inherits_is_64() =>
        AssertRefused(Submit(["--mpi", "host", Image, "--", "true"], With("HPCRUN_MPI_BIND", "etc/openmpi")), 64,
            "hpcrun: HPCRUN_MPI_BIND must list absolute paths, not 'etc/openmpi'");

    [Fact]
    public void A_missing_working_directory_is_64() =>
        AssertRefused(Submit(["-D", Path.Combine(root, "gone"), Image, "--", "true"]), 64,
            $"hpcrun: --chdir: no such directory: {root}/gone");

    [Fact]
    public void Good_relative_paths_in_the_jobs_directory_are_submitted_as_typed()
    {
        string[] args = ["-D", jobDir, "-B", "data:/data", "--env-file", "job.env", Image, "--", "true"];
        CommandResult run = Submit(args, cwd: root);
        Assert.True(run.ExitCode == 0, run.ToString());
        CannedHttpServer.Request submitted = Assert.Single(server.Received);
        Assert.Contains("--bind data:/data --env-file job.env", submitted.Body);
        Assert.Contains($"\"current_working_directory\":\"{jobDir}\"", submitted.Body.Replace("\\/", "/"));
    }

    /// <summary>An empty command is refused with the launcher's line and status, before anything is sent.</summary>
    [Theory]
    [InlineData("")]
    [InlineData("--", "")]
    public void An_empty_command_is_127(params string[] command) =>
        AssertRefused(Submit([Image, .. command]), 127,
            "hpcrun: the command is an empty string: no command has that name");

    /// <summary>What follows the image is the command's, as the launcher reads it: a -B there is no bind (its missing
    /// source would be 67), -v no verbosity; a "--" before the image ends submit's options.</summary>
    [Fact]
    public void What_follows_the_image_is_the_commands()
    {
        CommandResult run = Submit(["-N", "1", "--", Image, "ls", "-B", "/no/such/dir", "-v"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        CannedHttpServer.Request submitted = Assert.Single(server.Received);
        Assert.Contains($"{Image} ls -B /no/such/dir -v", submitted.Body.Replace("\\/", "/"));
    }

    [Fact]
    public void A_directory_is_an_image_as_for_hpcrun_run()
    {
        CommandResult run = Submit([TestImages.BusyboxTree, "--", "true"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, server.Requests);
    }

    /// <summary>A HOME given by --env or APPTAINERENV_HOME, which run ignores with a warning, is warned about when
    /// the job is submitted too, where the user sees it; the job is still sent.</summary>
    [Fact]
    public void A_home_given_by_env_is_warned_about_at_submit_time()
    {
        CommandResult run = Submit(["--env", "HOME=/elsewhere", Image, "--", "true"], With("APPTAINERENV_HOME", "/x"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(1, server.Requests);
        Assert.Contains("hpcrun: warning: --env sets HOME: ignored, as Apptainer ignores it", run.Stderr);
        Assert.Contains("hpcrun: warning: APPTAINERENV_HOME sets HOME: ignored", run.Stderr);
    }

    /// <summary>A docker:// reference is sent as typed (the node's hpcrun pulls it or runs its cache), where it was
    /// made a path in the current directory (66); one that does not parse is 100 and nothing is sent.</summary>
    [Fact]
    public void A_docker_reference_is_submitted_as_typed_and_a_bad_one_is_100()
    {
        CommandResult run = Submit(["--offline", "docker://127.0.0.1:5000/demo/app:1", "--", "true"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        CannedHttpServer.Request submitted = Assert.Single(server.Received);
        Assert.Contains("--offline docker://127.0.0.1:5000/demo/app:1 true", submitted.Body.Replace("\\/", "/"));
        AssertFault(Submit(["docker://Upper/Case:1", "true"]), 100, "hpcrun: 'docker://Upper/Case:1' is not an");
        Assert.Equal(1, server.Requests); // the first submit's only
    }

    [Theory]
    [InlineData("-n", "0", "hpcrun: --ntasks 0: give 1 or more")]
    [InlineData("-N", "0", "hpcrun: --nodes 0: give 1 or more")]
    [InlineData("--timeout", "0", "hpcrun: --timeout 0: give seconds above 0, at most 86400")]
    [InlineData("-t", "0", "hpcrun: --time 0: give a time limit above 0")]
    public void No_tasks_nodes_time_or_timeout_is_64_before_anything_is_sent(string flag, string value, string start) =>
        AssertRefused(Submit([flag, value, Image, "--", "true"]), 64, start);
}
