using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Launch;
using Serilog;

namespace HpcRun.Execution;

/// <summary>
/// Does what was decided: enters the namespace, mounts the image, asks the
/// <see cref="Planner"/> for the container, applies its mounts, starts the job and supervises
/// it. Everything it mounts lives in hpcrun's private mount namespace, so it disappears with
/// hpcrun and its children, however they end.
/// </summary>
internal static class Executor
{
    public static int Run(LaunchRequest request)
    {
        EarlyNamespace.EnsureEntered();
        ImageSource image = ProbeImage(request.Image);
        ImageMounter.CheckFuse(image);
        HostFacts host = HostFactsReader.Read(request);
        var ids = request.FakeRoot ? new IdMap(0, 0, host.Uid, host.Gid) : new IdMap(host.Uid, host.Gid, host.Uid, host.Gid);
        EarlyNamespace.WriteIdMaps(ids.InsideUid, ids.InsideGid);

        Staging staging = Staging.Create();
        ChildProcess? fuse = null;
        try
        {
            fuse = ImageMounter.MountLower(image, ids);
            ContainerPlan plan;
            using (var lower = new ContainerRoot(Staging.Lower))
            {
                CheckReadable(image, fuse);
                plan = Planner.Decide(new LaunchContext(request, image, ReadConfig(image, lower), lower.Tree, host));
                foreach (MountSpec mount in plan.Mounts)
                    lower.PrepareTarget(mount.Target, mount.TargetIsDirectory(source => Directory.Exists(Staging.HostPath(source))));
            }
            ImageMounter.MountRoot();
            using (var root = new ContainerRoot(Staging.Root))
            {
                foreach (MountSpec mount in plan.Mounts)
                {
                    string? source = mount.Kind == MountKind.GeneratedFile ? staging.WriteFile(mount.Content!)
                        : mount.Source is null ? null : Staging.HostPath(mount.Source);
                    Log.Debug("mount {Source} on {Target}{Mode}", mount.Source ?? "(generated)", mount.Target, mount.ReadOnly ? " (ro)" : "");
                    root.Apply(mount, source);
                }
                if (!plan.WritableRoot) root.MakeReadOnly();
            }
            Log.Debug("exec {Argv} in {Cwd}", plan.Argv, plan.WorkingDirectory);
            var job = ChildProcess.Start(plan.Argv, plan.Environment, Staging.Root, plan.WorkingDirectory);
            return Supervisor.Wait(job);
        }
        finally
        {
            if (fuse is { HasExited: false })
            {
                fuse.Signal(Signals.SIGTERM);
                if (!fuse.WaitForExit(TimeSpan.FromSeconds(5))) fuse.Signal(Signals.SIGKILL);
            }
        }
    }

    private static ImageSource ProbeImage(string path)
    {
        try { return ImageSource.Probe(path); }
        catch (FileNotFoundException) { throw new HpcRunException(ExitCode.ImageNotFound, $"image not found: {path}"); }
        catch (ImageFormatException e) { throw new HpcRunException(ExitCode.BadImage, $"{path}: {e.Message}"); }
        catch (UnauthorizedAccessException) { throw new HpcRunException(ExitCode.ImageNotFound, $"image not readable: {path}"); }
    }

    /// <summary>The first access to the image: a FUSE daemon that could not read it has exited by now.</summary>
    private static void CheckReadable(ImageSource image, ChildProcess? fuse)
    {
        try { _ = Directory.EnumerateFileSystemEntries(Staging.Lower).Any(); }
        catch (IOException)
        {
            string detail = fuse is not null && fuse.WaitForExit(TimeSpan.FromSeconds(2)) ? $"{ImageMounter.FuseTool}: {fuse.FirstErrorLine()}" : "its root directory cannot be read";
            throw new HpcRunException(ExitCode.BadImage, $"{image.Path}: corrupt SquashFS image ({detail})");
        }
    }

    /// <summary>A SIF's config lies outside its file system; others carry it at <see cref="ImageConfig.InTreePath"/>.</summary>
    private static ImageConfig ReadConfig(ImageSource image, ContainerRoot root)
    {
        if (image.EmbeddedConfig is { } embedded) return embedded;
        string? json = root.ReadText(ImageConfig.InTreePath);
        if (json is null) return ImageConfig.Empty;
        try { return ImageConfig.Parse(json); }
        catch (System.Text.Json.JsonException e) { throw new HpcRunException(ExitCode.BadImage, $"{ImageConfig.InTreePath} in the image: {e.Message}"); }
    }
}
