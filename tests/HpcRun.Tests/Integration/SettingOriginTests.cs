using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>A GPU, an RDMA device or host MPI that the site configuration or a variable chose, and this node refuses,
/// is named where it came from, as a bind from APPTAINER_BIND is; and doctor, without an image, fails as every launch
/// without options would, with the launch's line (it said OK), or warns where the launch goes on. This machine has no
/// GPU and no RDMA device; it has a host MPI.</summary>
public sealed class SettingOriginTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hpcrun-origin-").FullName;

    private string ConfigFile => Path.Combine(dir, "hpcrun.conf");

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>HPCRUN_CONFIG naming a file of <paramref name="text"/>, and the <paramref name="variable"/>
    /// (NAME=VALUE) when one is given.</summary>
    private Dictionary<string, string> Settings(string text, string? variable = null)
    {
        File.WriteAllText(ConfigFile, text);
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", dir);
        var env = new Dictionary<string, string> { ["HPCRUN_CONFIG"] = ConfigFile };
        if (variable?.Split('=', 2) is [var name, var value]) env[name] = value;
        return env;
    }

    public static TheoryData<string, string?, string, string, int> Refused() => new()
    {
        { "gpu = nvidia\n", null, "gpu", "no NVIDIA GPU on this host (no /dev/nvidiactl) (from {conf}:1)", 85 },
        { "", "HPCRUN_GPU=nvidia", "gpu", "no NVIDIA GPU on this host (no /dev/nvidiactl) (from HPCRUN_GPU)", 85 },
        { "# the fabric\nrdma = mlx5_0\n", null, "rdma",
            "RDMA device mlx5_0 not found (this host has none) (from {conf}:2)", 74 },
        { "", "HPCRUN_RDMA=mlx5_0", "rdma", "RDMA device mlx5_0 not found (this host has none) (from HPCRUN_RDMA)",
            74 },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_device_the_node_lacks_is_named_where_it_came_from_and_doctor_fails_with_the_launchs_line(
        string config, string? variable, string setting, string line, int status)
    {
        Dictionary<string, string> env = Settings(config, variable);
        string expected = line.Replace("{conf}", ConfigFile);

        var launch = Hpcrun.Run([TestImages.BusyboxSquashFs, "true"], env);
        var doctor = Hpcrun.Run(["doctor"], env);

        Assert.True(launch.ExitCode == status, launch.ToString());
        Assert.Equal($"hpcrun: {expected}\n", launch.Stderr);
        Assert.True(doctor.ExitCode == 75, doctor.ToString());
        Assert.Equal($"FAIL  {setting} selection: {expected} (fix: each launch here that gives no --{setting} stops " +
            $"at this line (status {status}): correct or unset the variable or the configuration line it names)",
            Assert.Single(doctor.Stdout.Split('\n'), l => l.Contains($" {setting} selection: ")));
    }

    /// <summary>Apptainer's variables for --nv and --rocm are named in the warning of a launch that goes on without
    /// the GPUs they ask for, and doctor warns in the same words (exit 0).</summary>
    [Theory]
    [InlineData("APPTAINER_NV", "no NVIDIA GPU on this host (no /dev/nvidiactl)", "nvidia")]
    [InlineData("SINGULARITY_ROCM", "no AMD GPU on this host (no /dev/kfd)", "amd")]
    public void A_variable_for_an_optional_gpu_is_named_in_the_warning(string variable, string reason, string kind)
    {
        Dictionary<string, string> env = Settings("", $"{variable}=1");
        string warning = $"{variable}: {reason}: running without GPUs (--gpu={kind} makes this an error)";

        var launch = Hpcrun.Run([TestImages.BusyboxSquashFs, "echo", "ran"], env);
        var doctor = Hpcrun.Run(["doctor"], env);

        Assert.True(launch.ExitCode == 0, launch.ToString());
        Assert.Equal(("ran\n", $"hpcrun: warning: {warning}\n"), (launch.Stdout, launch.Stderr));
        Assert.True(doctor.ExitCode == 0, doctor.ToString());
        Assert.StartsWith($"WARN  gpu selection: {warning} (fix: ",
            Assert.Single(doctor.Stdout.Split('\n'), l => l.Contains(" gpu selection: ")));
    }

    /// <summary>A bind or a home that the site configuration or a variable gives, whose destination this image
    /// refuses (76) or whose source this node lacks (67), is named where it came from too.</summary>
    [Theory]
    [InlineData("bind = {dir}:/bin/busybox/x\n", null, 76,
        "cannot mount on /bin/busybox/x: /bin/busybox is not a directory in the container (from {conf}:1)")]
    [InlineData("", "APPTAINER_BIND={dir}:/bin/sh/y", 76,
        "cannot mount on /bin/sh/y: /bin/sh is not a directory in the container (from APPTAINER_BIND)")]
    [InlineData("", "APPTAINER_HOME=/no/such/home", 67, "home directory does not exist: /no/such/home (from " +
        "APPTAINER_HOME)")]
    [InlineData("", "SINGULARITY_HOME={conf}", 76, "home is not a directory: {conf} (from SINGULARITY_HOME)")]
    public void A_bind_or_home_refused_on_the_node_is_named_where_it_came_from(string config, string? variable,
        int status, string line)
    {
        string Filled(string text) => text.Replace("{dir}", dir).Replace("{conf}", ConfigFile);
        Dictionary<string, string> env = Settings(Filled(config), variable is null ? null : Filled(variable));

        var launch = Hpcrun.Run([TestImages.BusyboxSquashFs, "true"], env);

        Assert.Equal((status, $"hpcrun: {Filled(line)}\n"), (launch.ExitCode, launch.Stderr));
    }

    /// <summary>The env file APPTAINER_ENV_FILE gives is named by the variable in the warning that the HOME it sets
    /// is ignored, not by --env-file, which was not typed.</summary>
    [Fact]
    public void An_env_file_a_variable_gives_is_named_by_it_in_the_home_warning()
    {
        string file = Path.Combine(dir, "job.env");
        File.WriteAllText(file, "HOME=/elsewhere\n");
        Dictionary<string, string> env = Settings("", $"APPTAINER_ENV_FILE={file}");

        var launch = Hpcrun.Run([TestImages.BusyboxSquashFs, "true"], env);

        Assert.True(launch.ExitCode == 0, launch.ToString());
        Assert.StartsWith($"hpcrun: warning: APPTAINER_ENV_FILE={file} sets HOME: ignored, as Apptainer ignores it",
            launch.Stderr);
    }

    /// <summary>Host MPI from the configuration or HPCRUN_MPI, which cannot be bound into an image without glibc
    /// (busybox): the launch's line names where host MPI came from, and doctor's trial launch of that image says
    /// how to run the image's own MPI instead.</summary>
    [Theory]
    [InlineData("mpi = host\n", null, "{conf}:1")]
    [InlineData("mpi-compat = full\n", "HPCRUN_MPI=host", "HPCRUN_MPI, {conf}:1")]
    public void Host_mpi_refused_for_an_image_names_where_it_came_from(string config, string? variable,
        string origins)
    {
        Dictionary<string, string> env = Settings(config, variable);

        var launch = Hpcrun.Run([TestImages.BusyboxSquashFs, "true"], env);
        var doctor = Hpcrun.Run(["doctor", TestImages.BusyboxSquashFs], env);

        Assert.True(launch.ExitCode == 77, launch.ToString());
        Assert.EndsWith($" (from {origins.Replace("{conf}", ConfigFile)})\n", launch.Stderr);
        Assert.True(doctor.ExitCode == 75, doctor.ToString());
        Assert.EndsWith("(fix: host MPI cannot be bound into this image (the line says why): give --mpi=container to " +
            "run the image's own MPI)", Assert.Single(doctor.Stdout.Split('\n'), l => l.Contains(" image: ")));
        Assert.StartsWith("OK    mpi selection: host (from ",
            Assert.Single(doctor.Stdout.Split('\n'), l => l.Contains(" mpi selection: ")));
    }
}
