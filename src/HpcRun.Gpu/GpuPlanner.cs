using HpcRun.HostLibraries;

namespace HpcRun.Gpu;

/// <summary>
/// Decides what a job sees of the host's GPUs (pure: reads only what it is given). The container
/// keeps the host's /dev, so the device nodes are bound onto themselves: explicit in the plan,
/// and ready for a container with a /dev of its own. Indices (--gpu=nvidia:0,2) leave the other
/// NVIDIA GPUs' nodes blanked and their /proc entries hidden, and name the chosen ones in
/// CUDA_VISIBLE_DEVICES by UUID; without indices every GPU is there and CUDA_VISIBLE_DEVICES,
/// ROCR_VISIBLE_DEVICES and Slurm's device cgroup stay as the job's launcher set them. The
/// driver's libraries are bound file by file into <see cref="LibraryDir"/>, first on
/// LD_LIBRARY_PATH, after the glibc check.
/// </summary>
public static class GpuPlanner
{
    /// <summary>Where the driver's libraries appear inside: Apptainer's directory for them (--nv, --rocm), so
    /// scripts and images made for Apptainer find them where they look.</summary>
    public const string LibraryDir = "/.singularity.d/libs";

    /// <summary>Where the driver's programs (nvidia-smi) appear: on every image's PATH, as Apptainer binds
    /// them.</summary>
    public const string ProgramDir = "/usr/bin";

    /// <summary>The CUDA forward-compatibility package's directory in the image (cuda-compat-N-M).</summary>
    public const string CudaCompatDir = "/usr/local/cuda/compat";

    /// <summary>Slurm's GPU allocation, the step's before the job's (gres indices, as --gpu's).</summary>
    public static readonly string[] SlurmGpuVariables = ["SLURM_STEP_GPUS", "SLURM_JOB_GPUS"];

    /// <param name="image">The image, or null where there is none (hpcrun doctor): then only what the host decides is
    /// planned, the driver's libraries neither checked against an image nor bound.</param>
    /// <param name="origin">What asked for an <see cref="GpuSelection.Optional"/> vendor, named by the warning where
    /// the host lacks it: Apptainer's --nv or --rocm, or their variable (APPTAINER_NV).</param>
    /// <exception cref="GpuException">A GPU asked for is not there, the driver is broken, or the image cannot run
    /// its libraries.</exception>
    public static GpuPlan Plan(GpuHost host, GpuSelection selection, IReadOnlyDictionary<string, string> environment,
        GpuImage? image, string? origin = null)
    {
        if (selection.Kind == GpuKind.None) return GpuPlan.Nothing;
        var plan = new Builder(host, selection, image);
        if (selection.Kind is GpuKind.Auto or GpuKind.Nvidia)
        {
            if (host.Nvidia is { } nvidia) Nvidia(plan, nvidia, environment);
            else if (selection.Kind == GpuKind.Nvidia)
                plan.Absent($"no NVIDIA GPU on this host (no {NvidiaPaths.Control})", origin ?? "--nv", "nvidia");
        }
        if (selection.Kind is GpuKind.Auto or GpuKind.Amd)
        {
            if (host.Amd is { } amd) Amd(plan, amd, environment);
            else if (selection.Kind == GpuKind.Amd)
                plan.Absent($"no AMD GPU on this host (no {AmdPaths.Kfd})", origin ?? "--rocm", "amd");
        }
        return plan.Build();
    }

    private static void Nvidia(Builder plan, NvidiaHost nvidia, IReadOnlyDictionary<string, string> environment)
    {
        int[] chosen = Choose(plan.Selection, [.. nvidia.Gpus.Select(g => g.Minor)], environment, "nvidia");
        foreach (string node in nvidia.ControlNodes) plan.Node(node, use: true);
        foreach (NvidiaGpu gpu in nvidia.Gpus) plan.Node(gpu.DevPath, use: chosen.Contains(gpu.Minor));
        if (plan.Selection.Indices is not null)
        {
            if (plan.Host.VisiblePaths.Contains(NvidiaPaths.GpuInfo))
            {
                plan.Mounts.Add(new GpuMount(GpuMountKind.Hide, NvidiaPaths.GpuInfo));
                foreach (NvidiaGpu gpu in nvidia.Gpus.Where(g => chosen.Contains(g.Minor) && g.BusId is not null))
                {
                    string entry = $"{NvidiaPaths.GpuInfo}/{gpu.BusId}";
                    plan.Mounts.Add(GpuMount.Bind(plan.Host.HostPath(entry), entry, readOnly: true));
                }
            }
            NvidiaGpu[] named = [.. chosen.Select(m => nvidia.Gpus.First(g => g.Minor == m))];
            // CUDA numbers GPUs its own way (fastest first by default, not by minor): a UUID names one GPU whatever
            // the order, and whichever GPUs CUDA can open.
            plan.Environment.Add(KeyValuePair.Create("CUDA_VISIBLE_DEVICES", named.All(g => g.Uuid is not null)
                ? string.Join(',', named.Select(g => g.Uuid)) : string.Join(',', chosen)));
        }
        if (nvidia.Files.Broken.FirstOrDefault() is { } broken)
            throw new GpuException(GpuFailure.DriverBroken, $"the NVIDIA driver library {broken.Link} is a dangling " +
                $"link (to {broken.Target}, which does not exist): reinstall the driver's libraries, " +
                "or give --gpu=none");
        if (!nvidia.Files.Libraries.Any(l => l.Soname == "libcuda.so.1"))
        {
            string message = "the NVIDIA driver's libcuda.so.1 is not on this host (ld.so.cache, " +
                "/usr/local/nvidia/lib64, " +
                "/usr/lib/x86_64-linux-gnu...): CUDA programs will not find the driver";
            if (plan.Selection.Strict) throw new GpuException(GpuFailure.DriverBroken, message);
            plan.Warnings.Add(message);
        }
        if (!plan.Libraries("NVIDIA", nvidia.Files.Libraries)) return;
        if (nvidia.Files.Libraries.FirstOrDefault(l => l.Soname == "libcuda.so.1") is { } cuda)
            plan.Mounts.Add(GpuMount.Bind(plan.Host.HostPath(cuda.HostFile), $"{LibraryDir}/libcuda.so",
                readOnly: true));
        foreach (string program in nvidia.Files.Programs)
            plan.Mounts.Add(GpuMount.Bind(plan.Host.HostPath(program), $"{ProgramDir}/{Path.GetFileName(program)}",
                readOnly: true));
        foreach (string config in nvidia.Files.ConfigFiles)
            plan.Mounts.Add(GpuMount.Bind(plan.Host.HostPath(config), config, readOnly: true));
        CudaCompat(plan, nvidia.DriverVersion);
        plan.Notes.Add($"GPU: NVIDIA driver {nvidia.DriverVersion ?? "of unknown version"}, " +
            $"GPUs {string.Join(',', chosen)}, {nvidia.Files.Libraries.Count} libraries in {LibraryDir}");
    }

    /// <summary>An image's cuda-compat package, newer than the host's driver, goes before the driver's libraries:
    /// it carries a newer libcuda that runs on the older kernel module (NVIDIA's forward compatibility), as the
    /// NVIDIA container toolkit prefers it.</summary>
    private static void CudaCompat(Builder plan, string? driverVersion)
    {
        if (plan.Image?.Canonical($"{CudaCompatDir}/libcuda.so.1") is not { } compat
            || LibraryVersion.FromFileName(compat) is not { Stem: "libcuda" } version
            || driverVersion is null || Compare(version.Numbers, driverVersion) <= 0)
            return;
        plan.LibraryDirs.Insert(0, CudaCompatDir);
        plan.Notes.Add($"GPU: the image's CUDA forward compatibility libcuda {version} (host driver {driverVersion}) " +
            $"comes first, from {CudaCompatDir}");
    }

    private static int Compare(IReadOnlyList<int> numbers, string version)
    {
        int[] other = [.. version.Split('.').Select(p => int.TryParse(p, out int n) ? n : 0)];
        for (int i = 0; i < Math.Max(numbers.Count, other.Length); i++)
        {
            int c = numbers.ElementAtOrDefault(i).CompareTo(other.ElementAtOrDefault(i));
            if (c != 0) return c;
        }
        return 0;
    }

    private static void Amd(Builder plan, AmdHost amd, IReadOnlyDictionary<string, string> environment)
    {
        int[] chosen = Choose(plan.Selection, [.. Enumerable.Range(0, amd.RenderNodes.Count)], environment, "amd");
        // One /dev/kfd serves every GPU and ROCm skips no render node it cannot open, so the choice is ROCm's own
        // variable; which nodes a job may open is the device cgroup's (Slurm's) to decide.
        foreach (string node in amd.RenderNodes.Concat(amd.OtherNodes).Prepend(AmdPaths.Kfd))
            plan.Node(node, use: true);
        if (plan.Selection.Indices is not null)
            plan.Environment.Add(KeyValuePair.Create("ROCR_VISIBLE_DEVICES", string.Join(',', chosen)));
        // The image's own copies are built for its ROCm; the host's fill in only what it lacks.
        DriverLibrary[] missing = [.. amd.Files.Libraries.Where(l => plan.Image?.HasLibrary(l.Soname) != true)];
        if (missing.Length > 0) plan.Libraries("AMD", missing);
        plan.Notes.Add(
            $"GPU: AMD, render nodes {string.Join(',', chosen)}, {missing.Length} libraries in {LibraryDir}");
    }

    /// <summary>The GPUs the job gets, by index: those asked for (each must exist, and be one of the Slurm job's when
    /// Slurm allocated GPUs), else all.</summary>
    private static int[] Choose(GpuSelection selection, int[] available,
        IReadOnlyDictionary<string, string> environment, string kind)
    {
        if (selection.Strict && available.Length == 0)
            throw new GpuException(GpuFailure.NotFound, $"no {kind} GPU on this host");
        if (selection.Indices is not { } indices) return available;
        if (indices.FirstOrDefault(i => !available.Contains(i), -1) is var missing and >= 0)
            throw new GpuException(GpuFailure.NotFound, $"GPU {kind}:{missing} not found (this host has " +
                $"{(available.Length == 0 ? "none" : string.Join(", ", available.Select(i => $"{kind}:{i}")))})");
        foreach (string variable in SlurmGpuVariables)
        {
            if (environment.GetValueOrDefault(variable) is not { Length: > 0 } value) continue;
            int[] allocated = [.. value.Split(',').Select(v => int.TryParse(v, out int n) ? n : -1)];
            if (indices.FirstOrDefault(i => !allocated.Contains(i), -1) is var outside and >= 0)
                throw new GpuException(GpuFailure.NotFound,
                    $"GPU {kind}:{outside} is not one of this job's GPUs ({variable}={value})");
            break;
        }
        return [.. indices];
    }

    /// <summary>The plan under construction, with what every vendor adds the same way.</summary>
    private sealed class Builder(GpuHost host, GpuSelection selection, GpuImage? image)
    {
        public GpuHost Host => host;
        public GpuSelection Selection => selection;
        public GpuImage? Image => image;
        public List<GpuMount> Mounts { get; } = [];
        public List<string> LibraryDirs { get; } = [];
        public List<KeyValuePair<string, string>> Environment { get; } = [];
        public List<string> Warnings { get; } = [];
        public List<string> Notes { get; } = [];
        private readonly List<string> unseenNodes = [];

        /// <summary>The vendor asked for is not on this host: an error for --gpu=KIND, a warning for Apptainer's
        /// --nv and --rocm (the job runs without it, as under Apptainer) that names what asked for it
        /// (<paramref name="asker"/>: the option or its variable).</summary>
        /// <exception cref="GpuException">NotFound, for a vendor named with --gpu.</exception>
        public void Absent(string reason, string asker, string kind)
        {
            if (selection.Strict) throw new GpuException(GpuFailure.NotFound, reason);
            Warnings.Add($"{asker}: {reason}: running without GPUs (--gpu={kind} makes this an error)");
        }

        /// <summary>A device node bound onto itself, or blanked when the job must not use it.</summary>
        public void Node(string node, bool use)
        {
            if (!host.VisiblePaths.Contains(node)) unseenNodes.Add(node);
            else Mounts.Add(use ? GpuMount.Bind(host.HostPath(node), node) : new GpuMount(GpuMountKind.Blank, node));
        }

        /// <summary>Binds the libraries (at their file name and their soname) after the glibc check; false when the
        /// image has no glibc and the job did not ask for this vendor by name (nothing bound, a warning).</summary>
        public bool Libraries(string vendor, IReadOnlyList<DriverLibrary> libraries)
        {
            if (image is null) return true;
            if (image.Glibc() is not { } provided)
            {
                string message = $"the image has no glibc (static or musl): the {vendor} driver's libraries cannot " +
                    "run in it";
                if (selection.Strict) throw new GpuException(GpuFailure.ImageIncompatible, message);
                Warnings.Add(message + " and were not added");
                return false;
            }
            if (libraries.Select(l => l.Glibc).OfType<GlibcNeed>().MaxBy(n => n.Version) is { } required
                && required.Version > provided.Version)
                throw new GpuException(GpuFailure.ImageIncompatible,
                    $"the {vendor} driver library {required.Library} needs glibc {required.Version} but the " +
                    $"image's {provided.Path} is {provided.Version}: use an image with glibc {required.Version} " +
                    "or newer, or give --gpu=none");
            foreach (DriverLibrary library in libraries)
            {
                // The soname is the same file bound again rather than a symlink: the loader opens it by name alone.
                foreach (string name in new[] { library.FileName, library.Soname }.Distinct())
                    Mounts.Add(GpuMount.Bind(host.HostPath(library.HostFile), $"{LibraryDir}/{name}", readOnly: true));
            }
            if (libraries.Count > 0 && !LibraryDirs.Contains(LibraryDir)) LibraryDirs.Add(LibraryDir);
            return true;
        }

        public GpuPlan Build()
        {
            if (unseenNodes.Count > 0)
                Warnings.Add($"cannot pass GPU device nodes this host's /dev lacks: {string.Join(", ", unseenNodes)}");
            return new GpuPlan(Mounts, LibraryDirs.Count > 0 ? string.Join(':', LibraryDirs) : null, Environment,
                Warnings, Notes);
        }
    }
}
