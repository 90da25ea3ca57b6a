using HpcRun.Doctor;
using HpcRun.HostLibraries;
using HpcRun.Image.Sif;
using HpcRun.Launch;
using HpcRun.Mpi;

namespace HpcRun.Rdma.Tests;

/// <summary>Each doctor check on a fake node: a root directory with the files it reads.</summary>
public sealed class DoctorCheckTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("hpcrun-doctor").FullName;

    private static readonly MpiLibrary Mpich = new("libmpich.so.12", "/usr/lib/x86_64-linux-gnu/libmpich.so.12",
        "/usr/lib/x86_64-linux-gnu/libmpich.so.12.2.2");
    private static readonly HostMpi MpichHost =
        new([new HostMpiStack(new MpiInstallation(MpiFamily.MpichAbi, Mpich, [Mpich]), [],
            new GlibcNeed(new(2, 34), Mpich.RealPath), [])], []);

    /// <summary>A healthy node: Linux 6.1, /dev/fuse, libsquashfuse_ll, srun on PATH, MPICH.</summary>
    public DoctorCheckTests()
    {
        Write("/proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
        Write("/dev/fuse", "");
        Write("/usr/bin/srun", "");
    }

    private void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(root + path)!);
        File.WriteAllText(root + path, content);
    }

    private DoctorHost Host(int unshareErrno = 0, RdmaHost? rdma = null, Dictionary<string, string>? env = null,
        HostMpi? mpi = null, string? squashFuseError = null) => new()
        {
            Root = root,
            UnshareErrno = unshareErrno,
            SquashFuseError = squashFuseError,
            Rdma = rdma ?? new RdmaHost(),
            Mpi = mpi ?? MpichHost,
            Environment = env ?? new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" },
        };

    [Fact]
    public void AHealthyNodePassesEveryCheck()
    {
        var checks = DoctorChecks.Run(Host(), image: null, runInside: _ => null);

        Assert.Equal(
            ["configuration", "registry", "user namespaces", "fuse", "squashfuse", "kernel", "rdma", "gpu", "host mpi",
                "slurm"],
            checks.Select(c => c.Name));
        Assert.All(checks, c => Assert.Equal(CheckStatus.OK, c.Status));
        Assert.Equal("MPICH ABI libmpich.so.12 12.2.2 (/usr/lib/x86_64-linux-gnu/libmpich.so.12.2.2), needs glibc 2.34",
            checks[8].Detail);
    }

    [Fact]
    public void DisabledUserNamespacesFailWithTheSysctlToChange()
    {
        Write("/proc/sys/user/max_user_namespaces", "0\n");
        CheckResult check = SystemChecks.UserNamespaces(Host(unshareErrno: 1));

        Assert.Equal(CheckStatus.FAIL, check.Status);
        Assert.Equal("sysctl -w user.max_user_namespaces=15000", check.Fix);
    }

    [Fact]
    public void AMissingDevFuseFails()
    {
        File.Delete(root + "/dev/fuse");
        CheckResult check = SystemChecks.Fuse(Host());

        Assert.Equal(CheckStatus.FAIL, check.Status);
        Assert.Equal("modprobe fuse", check.Fix);
    }

    [Fact]
    public void SquashfuseLibraryMissingFails()
    {
        var check = SystemChecks.Squashfuse(
            Host(squashFuseError: "libsquashfuse_ll.so.0 not found: install the squashfuse package"));
        Assert.Equal(CheckStatus.FAIL, check.Status);
        Assert.Contains("libsquashfuse_ll.so.0 not found", check.Detail);
    }

    [Fact]
    public void AnOldKernelFails()
    {
        Write("/proc/sys/kernel/osrelease", "4.18.0-553.el8_10.x86_64\n");
        CheckResult check = SystemChecks.Kernel(Host());

        Assert.Equal(CheckStatus.FAIL, check.Status);
        Assert.Contains("older than 5.11", check.Detail);
    }

    [Fact]
    public void AnRdmaDeviceWithoutItsDevNodeFailsAndADownPortWarns()
    {
        using var fake = new FakeRdmaHost();
        fake.Delete("/dev/infiniband/uverbs0");
        var checks = RdmaChecks.All(Host(rdma: fake.Read(memlock: 64 << 10))).ToDictionary(c => c.Name);

        Assert.Equal(CheckStatus.FAIL, checks["rdma mlx5_0"].Status);
        Assert.Contains("/dev/infiniband/uverbs0 is missing", checks["rdma mlx5_0"].Detail);
        Assert.Contains("modprobe ib_uverbs", checks["rdma mlx5_0"].Fix);
        Assert.Equal(CheckStatus.WARN, checks["rdma mlx5_1"].Status);
        Assert.Equal(new CheckResult("rdma rocep1s0", CheckStatus.OK, "RoCE, port 1 ACTIVE, uverbs2"),
            checks["rdma rocep1s0"]);
        Assert.Equal(CheckStatus.OK, checks["rdma providers"].Status);
        Assert.Equal(CheckStatus.WARN, checks["memlock"].Status);
        Assert.Contains("64 KiB", checks["memlock"].Detail);
    }

    [Fact]
    public void NoHostMpiWarns() =>
        Assert.Equal(CheckStatus.WARN, JobChecks.HostMpi(Host(mpi: new HostMpi([], []))).Status);

    [Fact]
    public void AnMpiWithUnresolvedDependenciesWarns()
    {
        HostMpi mpi = MpichHost with { Stacks = [MpichHost.Stacks[0] with { Unresolved = ["libfabric.so.1"] }] };
        CheckResult check = JobChecks.HostMpi(Host(mpi: mpi));

        Assert.Equal(CheckStatus.WARN, check.Status);
        Assert.EndsWith("dependencies not found: libfabric.so.1", check.Detail);
    }

    [Fact]
    public void InsideASlurmStepTheJobAndPmiAreReported()
    {
        var env = new Dictionary<string, string>
        {
            ["SLURM_JOB_ID"] = "42",
            ["SLURM_STEP_ID"] = "0",
            ["SLURM_PROCID"] = "3",
            ["SLURM_NTASKS"] = "8",
            ["SLURM_JOB_NUM_NODES"] = "2",
            ["PMIX_RANK"] = "3",
        };
        Assert.Equal("job 42, step 0, task 3 of 8, on 2 node(s), PMIx", JobChecks.Slurm(Host(env: env)).Detail);
    }

    [Fact]
    public void NoSrunWarns() =>
        Assert.Equal(CheckStatus.WARN, JobChecks.Slurm(Host(env: new() { ["PATH"] = "/opt/nothing" })).Status);

    [Fact]
    public void ADirectoryImageForAnotherCpuFails()
    {
        string image = Path.Combine(root, "image");
        Directory.CreateDirectory(image + "/usr/bin");
        Directory.CreateDirectory(image + "/bin");
        // An ELF64 little-endian header whose e_machine (offset 18) says aarch64 (183),
        // behind /bin/sh -> /usr/bin/dash.
        byte[] elf = new byte[64];
        "\u007fELF"u8.CopyTo(elf);
        elf[4] = 2; elf[5] = 1; elf[18] = 183;
        File.WriteAllBytes(image + "/usr/bin/dash", elf);
        File.CreateSymbolicLink(image + "/bin/sh", "/usr/bin/dash");

        CheckResult check = ImageChecks.Check(image,
            _ => throw new InvalidOperationException("directories are read, not run"));

        Assert.Equal(CheckStatus.FAIL, check.Status);
        Assert.Equal($"directory image is for aarch64, this host is {ImageChecks.HostArchitecture}", check.Detail);
    }

    [Fact]
    public void ASifImageForAnotherCpuFailsWithoutRunningIt()
    {
        string image = Path.Combine(root, "arm64.sif");
        TestSupport.TestEnvironment.RunChecked("mksquashfs", TestSupport.TestImages.BusyboxTree, image, "-noappend",
            "-quiet", "-no-progress", "-all-root", "-offset", $"{SifWriter.PartitionOffset}");
        using (var file = new FileStream(image, FileMode.Open, FileAccess.ReadWrite))
            SifWriter.Complete(file, file.Length - SifWriter.PartitionOffset, SifArch.Code("arm64"), 1700000000, []);

        CheckResult check = ImageChecks.Check(image,
            _ => throw new InvalidOperationException("a foreign SIF is not run"));

        Assert.Equal(CheckStatus.FAIL, check.Status);
        Assert.Equal("SIF image is for arm64, this host is amd64", check.Detail);
        Assert.Equal(ExitCode.ImageArchitecture, check.Exit); // doctor ends with it, as a launch
    }

    [Fact]
    public void AMissingImageFails() =>
        Assert.Equal(CheckStatus.FAIL, ImageChecks.Check(Path.Combine(root, "nothing.sif"), _ => null).Status);

    /// <summary>The fix follows what the trial launch said: another CPU's image only for ENOEXEC, another copy for a
    /// damaged image, another build for the image's files in the way of a mount (76) or a shell that does not start,
    /// the image's own MPI where the host's cannot be bound, the image's scripts for a status of the job's own, and
    /// else the launch's detail, as no check above failed or warned (it used to be another CPU's image whatever
    /// failed, and then "see the checks above" whatever the checks above said).</summary>
    [Theory]
    [InlineData(126, "hpcrun: /bin/sh: cannot execute binary file: Exec format error (built for another machine?)",
        "use an image built for x86_64")]
    [InlineData(135, "hpcrun: /i.sqfs: a block of the image does not decompress: the image is damaged, and the job's " +
        "reads of it fail (an I/O error; a bus error for a program in it)", "rebuild or re-download the image")]
    [InlineData(126, "hpcrun: /bin/sh: cannot execute: Input/output error", "rebuild or re-download the image")]
    [InlineData(65, "hpcrun: /i.sqfs: the image cannot be served", "rebuild or re-download the image")]
    [InlineData(76, "hpcrun: cannot mount a file on /etc/passwd: it is a directory in the container",
        "the image's own files are in the way of the mount in the line (a symlink that leads elsewhere, a directory " +
        "where a file is mounted, or the reverse): rebuild the image with a plain directory or file there, as the " +
        "mount needs")]
    [InlineData(127, "hpcrun: /bin/sh: bad interpreter: /lib/ld-musl-x86_64.so.1 is not in the image",
        "the image's /bin/sh does not start (the line says why): rebuild the image with a working /bin/sh")]
    [InlineData(77, "hpcrun: host MPI libmpi.so.40 cannot replace the image's libmpich.so.12: different MPI ABIs",
        "host MPI cannot be bound into this image (the line says why): give --mpi=container to run the image's own " +
        "MPI")]
    [InlineData(3, "the image's environment script said no", "the image's /bin/sh or its environment scripts " +
        "(/.singularity.d/env) ended the trial launch so: see what they say with hpcrun exec {image} /bin/sh -c true")]
    [InlineData(69, "hpcrun: /dev/fuse: permission denied", "see what the launch says with --debug: hpcrun --debug " +
        "exec --rdma=none --gpu=none {image} /bin/sh -c true")]
    public void AnImageFileThatDoesNotStartFailsWithTheFixForWhatTheLaunchSaid(int status, string line, string fix)
    {
        string image = Path.Combine(root, "image.sqfs");
        TestSupport.TestImages.MakeSquashFs(TestSupport.TestImages.BusyboxTree, image);

        CheckResult check = ImageChecks.Check(image, _ => new LaunchFailure(status, line));

        Assert.Equal((CheckStatus.FAIL, $"SquashFS image does not run here: exit {status}: {line}",
            fix.Replace("{image}", image)), (check.Status, check.Detail, check.Fix));
    }

    /// <summary>"See the checks above" only where one of them failed or warned, and for a failure of no reason of the
    /// image's: the image's files in the way of a mount are the image's to fix whatever the checks above said.
    /// </summary>
    [Fact]
    public void TheChecksAboveAreTheFixOnlyWhereOneOfThemFailedOrWarned()
    {
        string image = Path.Combine(root, "image.sqfs");
        TestSupport.TestImages.MakeSquashFs(TestSupport.TestImages.BusyboxTree, image);
        string? Fix(int status, bool flagged) =>
            ImageChecks.Check(image, _ => new LaunchFailure(status, "hpcrun: x"), flagged).Fix;

        Assert.Equal("see the checks above", Fix(69, flagged: true));
        Assert.StartsWith("the image's own files are in the way", Fix(76, flagged: true));
        var fuseless = DoctorChecks.Run(Host(), image, _ => new LaunchFailure(69, "hpcrun: x"));
        Assert.StartsWith("see what the launch says with --debug", fuseless.Single(c => c.Name == "image").Fix);
        File.Delete(root + "/dev/fuse");
        Assert.Equal("see the checks above", DoctorChecks.Run(Host(), image, _ => new LaunchFailure(69, "hpcrun: x"))
            .Single(c => c.Name == "image").Fix);
    }

    /// <summary>Host MPI that the site configuration chooses for every launch, on a node without an MPI: a FAIL in
    /// the launch's words and with its status (only a WARN said that --mpi=host has nothing to inject); where nothing
    /// chose it, no line.</summary>
    [Fact]
    public void HostMpiTheConfigurationChoosesFailsWhereTheNodeHasNone()
    {
        SiteConfig site = SiteConfig.Parse([new SiteConfigFile("/etc/hpcrun/hpcrun.conf", "mpi = host\n")]);
        var none = new HostMpi([], []);

        CheckResult? check = SettingChecks.Mpi(Host(mpi: none) with { Site = site });

        Assert.Equal((CheckStatus.FAIL, "host MPI asked for, but no MPI library found on the host (looked in the " +
            "ld.so.cache; set HPCRUN_MPI_LIBS) (from /etc/hpcrun/hpcrun.conf:1)"), (check?.Status, check?.Detail));
        Assert.Contains("(status 77)", check!.Fix);
        Assert.Null(SettingChecks.Mpi(Host(mpi: none)));
        Assert.Equal(CheckStatus.OK, SettingChecks.Mpi(Host() with { Site = site })?.Status);
    }

    [Fact]
    public void TheDamagedLineIsTheOneShownWhereTheLaunchSaidIt() =>
        Assert.Equal("exit 135: hpcrun: /i.sqfs: a block of the image does not decompress: the image is damaged",
            LaunchFailure.Of(135, "hpcrun: warning: x\nhpcrun: /i.sqfs: a block of the image does not decompress: " +
                "the image is damaged\n").ToString());

    [Fact]
    public void ALineSaysStatusNameDetailAndFix() =>
        Assert.Equal("FAIL  fuse: gone (fix: modprobe fuse)",
            CheckResult.Fail("fuse", "gone", "modprobe fuse").ToString());

    public void Dispose() => Directory.Delete(root, recursive: true);
}
