using HpcRun.TestSupport;

namespace HpcRun.Mpi.Tests.Integration;

/// <summary>Real images for the MPI tests, built from Debian packages with debootstrap once per
/// machine (cached by <see cref="TestImages.Cached"/>), and the ring program compiled against
/// each host MPI.</summary>
internal static class MpiImages
{
    /// <summary>The Linpack example's image: hpcc, OpenBLAS, Open MPI 4.1 (about 2 minutes to build).</summary>
    public static string OpenMpi => TestImages.Cached("openmpi-hpcc",
        dir => TestEnvironment.RunChecked(
            Path.Combine(TestEnvironment.RepoRoot, "examples", "linpack", "build-image"), dir));

    /// <summary>Debian with MPICH's library only (libmpich12), no launcher.</summary>
    public static string Mpich => TestImages.Cached("mpich",
        dir => TestEnvironment.RunChecked("debootstrap", "--variant=minbase", "--include=libmpich12", "bookworm", dir,
            "http://deb.debian.org/debian"));

    private static readonly Lazy<string> programs = new(CompileRing);

    /// <summary>ring.c built with Open MPI's mpicc.</summary>
    public static string OpenMpiRing => Path.Combine(programs.Value, "ring-openmpi");

    /// <summary>ring.c built with MPICH's mpicc.</summary>
    public static string MpichRing => Path.Combine(programs.Value, "ring-mpich");

    /// <summary>Compiles into a directory under /tmp, which every container shares with the host.</summary>
    private static string CompileRing()
    {
        string dir = Directory.CreateTempSubdirectory("hpcrun-mpi-ring-").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        string source = Path.Combine(TestEnvironment.RepoRoot, "tests", "HpcRun.Mpi.Tests", "Integration", "ring.c");
        TestEnvironment.RunChecked("mpicc.openmpi", "-o", Path.Combine(dir, "ring-openmpi"), source);
        TestEnvironment.RunChecked("mpicc.mpich", "-o", Path.Combine(dir, "ring-mpich"), source);
        return dir;
    }

    /// <summary>Runs a host MPI launcher (or hpcrun itself) as the unprivileged test user, as on a cluster
    /// node.</summary>
    public static CommandResult AsTestUser(IEnumerable<string> argv, Dictionary<string, string>? env = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = Hpcrun.UserHome,
            ["USER"] = TestEnvironment.User,
            ["LOGNAME"] = TestEnvironment.User,
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["LANG"] = "C.UTF-8",
        };
        foreach (var (k, v) in env ?? []) environment[k] = v;
        return TestEnvironment.Run("setpriv",
            ["--reuid", TestEnvironment.User, "--regid", TestEnvironment.User, "--init-groups", "--", .. argv],
            env: environment, cwd: Hpcrun.UserHome);
    }
}
