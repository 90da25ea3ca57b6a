using System.CommandLine;
using HpcRun.Gpu;
using HpcRun.Launch;
using HpcRun.Mpi;
using HpcRun.Rdma;

namespace HpcRun.CommandLine;

/// <summary>The options shared by run, exec and shell, and their translation into a
/// <see cref="LaunchRequest"/>.</summary>
public sealed class LaunchOptions
{
    public readonly Option<string[]> Bind = new("--bind", "-B")
    { Description = "Bind SRC[:DST[:ro|rw]] (repeatable; comma-separated lists allowed)" };
    public readonly Option<string[]> Env = new("--env")
    {
        Description = "Set NAME=VALUE inside, after the image's environment (repeatable; A=1,B=2 sets two; " +
            "$NAME expands inside, \\$ is a literal $)",
    };
    public readonly Option<string[]> EnvFile = new("--env-file")
    { Description = "Read NAME=VALUE lines from a file (repeatable)" };
    public readonly Option<bool> CleanEnv = new("--cleanenv", "-e")
    {
        Description = "Do not pass the host environment in, but TERM and the proxy variables (http_proxy, " +
            "no_proxy...); LANG=C, as Apptainer's",
    };
    public readonly Option<bool> FakeRoot = new("--fakeroot", "-f")
    { Description = "Be uid/gid 0 inside (still the invoking user outside), with the home at /root (HOME=/root)" };
    public readonly Option<bool> WritableTmpfs = new("--writable-tmpfs")
    {
        Description = "Make the image writable through a throwaway in-memory layer of at most 64 MiB (the site's " +
            "sessiondir-max-size in hpcrun.conf sets another cap)",
    };
    public readonly Option<string> Pwd = new("--pwd", "--cwd")
    { Description = "Working directory inside (default: the current one)" };
    public readonly Option<string[]> Mount = new("--mount")
    { Description = "Bind as type=bind,src=SRC,dst=DST[,ro] (Apptainer's and Docker's form; repeatable)" };
    public readonly Option<bool> Contain = new("--contain", "-c")
    {
        Description = "Private /tmp and /var/tmp, an empty home (unless -H), the current directory not bound " +
            "(also APPTAINER_CONTAIN)",
    };
    public readonly Option<bool> ContainAll = new("--containall", "-C")
    {
        Description = "--contain and --cleanenv; the host's PIDs and IPC stay shared, as MPI needs " +
            "(also APPTAINER_CONTAINALL)",
    };
    public readonly Option<string> Home = new("--home", "-H")
    { Description = "Bind host directory SRC as the home, at DST (default: SRC, as Apptainer does): SRC[:DST]" };
    public readonly Option<bool> NoHome = new("--no-home")
    { Description = "Do not bind the home directory (also APPTAINER_NO_HOME)" };
    public readonly Option<string[]> NoMount = new("--no-mount")
    {
        Description = "Leave out standard mounts: tmp (/tmp and /var/tmp), home, cwd, bind-paths (the site's " +
            "binds and the host's /etc/hosts, /etc/localtime, /etc/resolv.conf) or one's destination (comma lists; " +
            "repeatable)",
    };

    public readonly Option<string> Rdma = new("--rdma")
    {
        Description = "RDMA devices to pass: auto (all), none, or names such as mlx5_0,mlx5_1; default: " +
            "HPCRUN_RDMA, else hpcrun.conf's rdma, else auto"
    };
    public readonly Option<string> RdmaLibs = new("--rdma-libs")
    {
        Description = "Verbs provider libraries: auto (the host's when the image has none), host or image; " +
            "default: HPCRUN_RDMA_LIBS, else hpcrun.conf's rdma-libs, else auto"
    };

    public readonly Option<string> Gpu = new("--gpu")
    {
        Description = "GPUs: auto (the host's), nvidia, amd or none, with indices as in nvidia:0,2; default: " +
            "HPCRUN_GPU, else hpcrun.conf's gpu, else auto"
    };
    public readonly Option<bool> Nv = new("--nv")
    {
        Description = "NVIDIA GPUs if the host has them, else a warning (Apptainer's option; also APPTAINER_NV); " +
            "with --rocm, only --nv applies",
    };
    public readonly Option<bool> Rocm = new("--rocm")
    { Description = "AMD GPUs if the host has them, else a warning (Apptainer's option; also APPTAINER_ROCM)" };

    public readonly Option<string> Mpi = new("--mpi")
    {
        Description = "MPI: host (bind the host's MPI over the image's, after ABI checks), " +
            "container (the image's own), none; default: HPCRUN_MPI, else hpcrun.conf's mpi, else container"
    };
    public readonly Option<string> MpiCompat = new("--mpi-compat")
    {
        Description = "How closely host and image MPI versions must match: major, full (host minor not older), " +
            "strict (same version); default: HPCRUN_MPI_COMPAT, else hpcrun.conf's mpi-compat, else major"
    };

    public readonly Option<string> JoinKey = new("--join-key")
    {
        Description = "Share one container with every rank on this node that gives the same key " +
            "(default: the ranks of the launcher's job; also HPCRUN_JOIN_KEY)"
    };
    public readonly Option<bool> NoJoin = new("--no-join")
    {
        Description = "Run in a container of this rank's own, not the one its job's ranks share on this node " +
            "(also HPCRUN_NO_JOIN=1)"
    };

    public readonly Option<bool> Offline = new("--offline")
    { Description = "Run a docker:// image from the cache only, asking no registry (also HPCRUN_OFFLINE=1)" };

    /// <summary>Apptainer's -u/--userns: hpcrun always runs in a user namespace, so it is accepted and does
    /// nothing (not in <see cref="All"/>: it has no meaning to pass on); so is --no-privs (drop all capabilities),
    /// as hpcrun grants none.</summary>
    private readonly Option<bool> userNamespace = new("--userns", "-u") { Hidden = true };
    private readonly Option<bool> noPrivileges = new("--no-privs") { Hidden = true };

    public IEnumerable<Option> All =>
        [Bind, Mount, Env, EnvFile, CleanEnv, Contain, ContainAll, Home, NoHome, NoMount, FakeRoot, WritableTmpfs, Pwd,
            Rdma, RdmaLibs, Gpu, Nv, Rocm, Mpi, MpiCompat, JoinKey, NoJoin, Offline];

    public void AddTo(Command command)
    {
        foreach (Option option in All.Append(userNamespace).Append(noPrivileges)) command.Options.Add(option);
    }

    /// <summary>
    /// The launch options given in <paramref name="result"/> as hpcrun arguments again, in the order of
    /// <see cref="All"/> (repeated values keep theirs): `hpcrun submit` puts them on its `srun hpcrun` line.
    /// A value that starts with '-' is joined to its option, so that nothing reads it as an option of its own.
    /// </summary>
    public IEnumerable<string> Arguments(ParseResult result)
    {
        foreach (Option option in All)
        {
            if (result.GetResult(option) is not { Implicit: false } given) continue;
            if (option is Option<bool> flag)
            {
                if (result.GetValue(flag)) yield return option.Name;
                continue;
            }
            foreach (string value in given.Tokens.Select(t => t.Value))
            {
                if (value.StartsWith('-')) yield return $"{option.Name}={value}";
                else { yield return option.Name; yield return value; }
            }
        }
    }

    public LaunchRequest ToRequest(ParseResult result, string image, IReadOnlyList<string> command,
        bool shell = false) => WithGpu(result, new LaunchRequest
        {
            Image = image,
            Command = command,
            Binds = [.. Values(result, Bind).SelectMany(BindSpec.ParseList),
                .. Values(result, Mount).SelectMany(spec => MountOption.Parse("--mount", spec))],
            EnvAssignments = Values(result, Env),
            EnvFiles = Values(result, EnvFile),
            CleanEnv = result.GetValue(CleanEnv) || result.GetValue(ContainAll),
            Contain = result.GetValue(Contain) || result.GetValue(ContainAll),
            Home = result.GetValue(Home) is { } home ? HomeSpec.Parse("--home", home) : null,
            HomeOrigin = result.GetValue(Home) is not null ? "--home" : null,
            // --home with --no-home (or --no-mount home): refused with their variables (ApptainerVariables.Apply).
            NoMount = Values(result, NoMount).Aggregate(
                result.GetValue(NoHome) ? Launch.NoMount.None with { Home = true, HomeOrigin = "--no-home" }
                    : Launch.NoMount.None,
                (noMount, words) => noMount.With("--no-mount", words)),
            FakeRoot = result.GetValue(FakeRoot),
            WritableTmpfs = result.GetValue(WritableTmpfs),
            WorkingDirectory = result.GetValue(Pwd) is { } pwd ? ApptainerVariables.Absolute("--pwd", pwd) : null,
            Shell = shell,
            Mpi = result.GetValue(Mpi) is { } mpi ? SettingWord.Parse("--mpi", mpi, MpiSettings.ParseMode) : null,
            MpiCompat = result.GetValue(MpiCompat) is { } compat
                ? SettingWord.Parse("--mpi-compat", compat, MpiSettings.ParseCompatibility) : null,
            Rdma = result.GetValue(Rdma) is { } rdma ? SettingWord.Parse("--rdma", rdma, RdmaSelection.Parse) : null,
            RdmaLibs = result.GetValue(RdmaLibs) is { } libs
                ? SettingWord.Parse("--rdma-libs", libs, RdmaLibrariesText.Parse) : null,
            JoinKey = result.GetValue(JoinKey) is { } key
                ? (key.Length > 0 ? key : throw new HpcRunException(ExitCode.Usage, "--join-key must not be empty"))
                : null,
            NoJoin = result.GetValue(NoJoin),
            Offline = result.GetValue(Offline),
        });

    /// <summary>The values of a repeatable option, none when it was not given: System.CommandLine's own default
    /// for an array (what GetValue returns for an absent option) is made by reflection, which a launch would pay
    /// for at each of these options.</summary>
    private static string[] Values(ParseResult result, Option<string[]> option) =>
        result.GetResult(option) is null ? [] : result.GetValue(option) ?? [];

    /// <summary>The request with --gpu, --nv or --rocm; as it is when none was given. --nv and --rocm that agree
    /// with --gpu leave it --gpu's (a vendor it names must be there); of the two, --nv is applied, as Apptainer
    /// applies it (<see cref="ApptainerVariables.Gpu(LaunchRequest, string?, string?)"/>).</summary>
    /// <exception cref="HpcRunException">64 (usage): a bad --gpu value, or --nv or --rocm for another vendor than
    /// --gpu's, named as typed.</exception>
    private LaunchRequest WithGpu(ParseResult result, LaunchRequest request)
    {
        bool nv = result.GetValue(Nv), rocm = result.GetValue(Rocm);
        if (result.GetValue(Gpu) is not { } value)
            return ApptainerVariables.Gpu(request, nv ? Nv.Name : null, rocm ? Rocm.Name : null);
        GpuSelection gpu = SettingWord.Parse(Gpu.Name, value, GpuSelection.Parse);
        foreach (var (flag, kind) in new[] { (Nv, GpuKind.Nvidia), (Rocm, GpuKind.Amd) })
            if (result.GetValue(flag) && gpu.Kind != kind)
                throw new HpcRunException(ExitCode.Usage, $"{flag.Name} contradicts {Gpu.Name}={value}");
        return request with { Gpu = gpu, GpuOrigin = Gpu.Name };
    }
}
