using HpcRun.CommandLine;
using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Image.Posix;
using HpcRun.Image.Registry;
using HpcRun.Launch;
using HpcRun.Launch.Parts;
using HpcRun.Tools.Verbs.Registry;

namespace HpcRun.Tools.Verbs.Slurm;

/// <summary>
/// What `hpcrun submit` checks on the submit host before it sends anything: each fault that
/// `hpcrun run` would meet on the node with the same files and settings, refused now with run's own
/// status and words, so that no job queues only to fail. Checked with run's own code (image probe,
/// home, bind and environment parts, setting parsers), on the files as the job will see them: a relative home,
/// bind sources and env files in the job's working directory, and those Apptainer's variables give (APPTAINER_HOME,
/// APPTAINER_BIND, APPTAINER_MOUNT, APPTAINER_ENV_FILE), which the job inherits. Only what is the same on every node
/// of a shared file system: not what only the node knows (user namespaces, /dev/fuse, libsquashfuse, RDMA devices,
/// host MPI, its hpcrun.conf, the command inside the image), nor --pwd, which the job's start looks up inside the
/// container (the image, the node's own /tmp bound there, the home).
/// </summary>
internal static class SubmitChecks
{
    /// <param name="request">The launch request the job's `srun hpcrun` line will make (image path absolute).</param>
    /// <param name="workDir">The job's working directory, absolute (--chdir, else the current one).</param>
    /// <param name="environment">The environment the job gets: hpcrun run reads its HPCRUN_* settings from it.</param>
    /// <returns>What run will warn about for the same input (HOME given by --env, --env-file or
    /// APPTAINERENV_HOME, which it ignores), each a line's text.</returns>
    /// <exception cref="HpcRunException">64 (no such --chdir, a bad --env, HPCRUN_* or APPTAINER_* setting, a home
    /// and --no-home), 65/66 (image), 67 (bind source or home missing), 73 (--env-file unreadable or malformed), 76
    /// (a home that is a file), 79 (a relative HPCRUN_CONFIG), 127 (an empty command).</exception>
    public static IReadOnlyList<string> Check(LaunchRequest request, string workDir,
        IReadOnlyDictionary<string, string> environment)
    {
        if (!Directory.Exists(workDir))
            throw new HpcRunException(ExitCode.Usage, $"--chdir: no such directory: {workDir}");
        // A docker:// reference is checked as a reference (100); the node's hpcrun finds or pulls its image.
        ImageSource image = ImageReference.IsReference(request.Image)
            ? new ImageSource(RegistryVerbs.Parse(request.Image).ToString(), ImageKind.Sif)
            : ImageArgument.Probe(request.Image);
        CommandPart.RefuseEmpty(request.Command); // 127, as the launcher's plan refuses it
        SettingWord.CheckSwitches(environment.GetValueOrDefault); // 64, as the launcher does first
        // 64: a bad APPTAINER_* value, a home and none; its home, binds and env file are read on the node as -H's,
        // -B's and --env-file's are.
        LaunchRequest applied = ApptainerVariables.Apply(request, environment);
        CheckSettings(request, environment);
        LaunchRequest there = applied with
        {
            Binds = [.. applied.Binds.Select(b => b with { Source = InJobDir(b.Source, workDir) })],
            EnvFiles = [.. applied.EnvFiles.Select(f => InJobDir(f, workDir))],
            Home = applied.Home is { } given ? given with { Source = InJobDir(given.Source, workDir) } : null,
        };
        Dictionary<string, string?> resolved = there.Binds.Select(b => b.Source)
            .Concat(there.Home is { } spec ? [spec.Source] : []).Distinct().ToDictionary(s => s, RealPath.Resolve);
        // Only what the three parts read is real; the rest of the facts are node facts they never look at.
        var host = new HostFacts
        {
            Environment = environment,
            Uid = 0,
            Gid = 0,
            PasswdLine = "",
            GroupLine = "",
            Home = "/",
            Cwd = workDir,
            ResolvedPaths = resolved,
            HomeSourceIsDirectory = there.Home is not { } home || resolved[home.Source] is not { } source
                || PosixFile.IsDirectory(source),
            EnvFileContents = there.EnvFiles.Distinct()
                .ToDictionary(f => f, f => EnvFile.Read(f, there.EnvFilesOrigin)),
        };
        var noTree = ImageTree.Of(new Dictionary<string, string?>());
        var context = new LaunchContext(there, image, ImageConfig.Empty, noTree, host);
        var plan = new PlanBuilder();
        new HomePart().Contribute(context, plan);        // 67: a home missing (but under --contain); 76: a file
        new BindsPart().Contribute(context, plan);       // 67: a bind source missing
        new EnvironmentPart().Contribute(context, plan); // 73: a malformed env file; 64: a bad --env
        return [.. plan.Messages.Where(m => m.Level == MessageLevel.Warning).Select(m => m.Text)];
    }

    /// <summary>HPCRUN_MPI, HPCRUN_MPI_COMPAT, HPCRUN_RDMA, HPCRUN_RDMA_LIBS and HPCRUN_GPU, where no option overrides
    /// them, and with host MPI the paths HPCRUN_MPI_LIBS and HPCRUN_MPI_BIND list (HpcRun.Launch/Parts/MpiPart.cs,
    /// RdmaPart.cs, GpuPart.cs).</summary>
    private static void CheckSettings(LaunchRequest request, IReadOnlyDictionary<string, string> environment)
    {
        // Not this host's hpcrun.conf: the job's node reads its own when the job runs; but no node reads a relative
        // HPCRUN_CONFIG (79).
        _ = SiteConfig.NamedFile(environment);
        if (MpiPart.Mode(request, environment, SiteConfig.None).Value == Mpi.MpiMode.Host)
            MpiPart.CheckAbsolute(environment);
        _ = MpiPart.Compatibility(request, environment, SiteConfig.None);
        _ = RdmaPart.Selection(request, environment, SiteConfig.None);
        _ = RdmaPart.Libraries(request, environment, SiteConfig.None);
        _ = GpuPart.Selection(request, environment, SiteConfig.None);
    }

    /// <summary>A path as the job reads it: relative ones in its working directory. Joined, not normalized:
    /// the kernel resolves "..", after symlinks, as it will for the job.</summary>
    private static string InJobDir(string path, string workDir) =>
        path.StartsWith('/') ? path : Path.Join(workDir, path);
}
