using HpcRun.Apply.SquashFuse;
using HpcRun.CommandLine;
using HpcRun.Group;
using HpcRun.Host;
using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;
using HpcRun.Launch;
using HpcRun.Native;
using Serilog;
using Serilog.Events;

namespace HpcRun.Apply;

/// <summary>
/// Does what was decided: enters the namespace, mounts the image, asks the
/// <see cref="Planner"/> for the container, applies its mounts, starts the job and supervises
/// it. Everything it mounts lives in hpcrun's private mount namespace, so it disappears with
/// hpcrun and its children, however they end. A rank that joins its node's shared container
/// (<see cref="NodeGroup"/>) mounts nothing: it decides its job and starts it in there.
/// </summary>
internal static class Executor
{
    /// <param name="role">This rank's role in its node group, elected before the command line was
    /// parsed (<see cref="NodeGroup.Elect"/>).</param>
    public static int Run(LaunchRequest request, NodeRole role)
    {
        SiteConfig site = SiteConfigReader.Read(Invocation.Environment); // before the image: a bad one mounts nothing
        IdMap? ids = role is NodeRole.Member ? null : EnterNamespace(request); // a pull writes the cache as the user
        ResolvedImage resolved = RegistryImage.Resolve(request.Image, site, request.Offline,
            joined: role is NodeRole.Member);
        bool cached = request.Image != resolved.Path;
        request = request with { Image = resolved.Path };
        ImageSource image;
        // Root of its namespace reads what the user could not (a chmod 000 image of theirs), so its owner bits are
        // checked for them; a real root may read it anyway.
        try { image = ImageArgument.Probe(request.Image, ids is { OutsideUid: not 0 } ? ids.InsideUid : null); }
        catch (HpcRunException e) when (cached && e.Code == ExitCode.BadImage)
        {
            // Not a dead end: the cache's copy is what is damaged (a disk fault, a quota hit while it was copied).
            throw new HpcRunException(ExitCode.BadImage, $"{e.Message}: the image cache's copy is damaged: " +
                "`hpcrun cache clean` removes it, and the next launch pulls it again");
        }
        ImageArchitecture.Check(image, HostPlatform.Architecture); // before anything is mounted
        if (role is NodeRole.Member member) return RunJoined(request, site, image, member);
        try { return RunOwn(request, site, image, ids!, role as NodeRole.First, resolved.Check); }
        catch (HpcRunException e) when (DeflateBlocks.SaidDamaged)
        {
            // What failed then (a directory that could not be listed, a program "not found") is the damage, which
            // its line named already: a second line would blame the command.
            Log.Debug("the launch stopped at the damaged image: {Failure}", e.Message);
            throw new HpcRunException(ExitCode.BadImage, e.Message) { Said = true };
        }
    }

    /// <summary>Checks the namespace early.c entered and writes its id maps: the user, or root with
    /// --fakeroot.</summary>
    private static IdMap EnterNamespace(LaunchRequest request)
    {
        EarlyNamespace.EnsureEntered();
        int uid = EarlyNamespace.OuterUid(), gid = EarlyNamespace.OuterGid();
        var ids = request.FakeRoot ? new IdMap(0, 0, uid, gid) : new IdMap(uid, gid, uid, gid);
        EarlyNamespace.WriteIdMaps(ids.InsideUid, ids.InsideGid);
        return ids;
    }

    /// <param name="tagCheck">For a cached docker:// tag, the registry's answer still to come: waited for once the
    /// container is made, before anything can reach it (the job, node-sharing members).</param>
    private static int RunOwn(LaunchRequest request, SiteConfig site, ImageSource image, IdMap ids,
        NodeRole.First? first, RegistryImage.CachedTag? tagCheck)
    {
        ImageMounter.Detached lowerImage = ImageMounter.Mount(image, ids);
        // While the image is opened and mounted; before the staging area covers /tmp, where some of the host's paths
        // may lie.
        HostFacts host = HostFactsReader.Read(request, site);
        Staging staging = Staging.Create();
        ImageMounter.Attach(lowerImage);
        ContainerPlan plan;
        LaunchContext context;
        using (var lower = new ContainerRoot(Staging.Lower))
        {
            CheckReadable(image);
            context = new LaunchContext(request, image, ReadConfig(image, lower), lower.Tree, host,
                NodeShared: first is not null);
            plan = Planner.Decide(context);
            Tell(plan, host);
            if (plan.RootOverlay) Staging.MountWritableLayer(plan);
            if (plan.RootOverlay)
                foreach (MountSpec mount in ContainerPlan.TargetsInTheImage(plan.Mounts))
                    NamingItsOrigin(plan, mount, () => lower.PrepareTarget(mount.Target,
                        mount.TargetIsDirectory(source => PosixFile.IsDirectory(Staging.HostPath(source))),
                        mount.ReplacesLink));
        }
        ImageMounter.MountRoot(plan.RootOverlay, image);
        bool verbose = Log.IsEnabled(LogEventLevel.Information); // see Tell
        using (var root = new ContainerRoot(Staging.Root, plan))
        {
            foreach (MountSpec mount in plan.Mounts)
            {
                string? source = mount.Kind switch
                {
                    MountKind.GeneratedFile => staging.WriteFile(mount.Content!),
                    MountKind.Symlink => mount.Source, // a path inside the container
                    _ => mount.Source is null ? null : Staging.HostPath(mount.Source),
                };
                if (verbose)
                    Log.Information("mount {Source} on {Target}{Mode}", mount.Source ?? "(generated)", mount.Target,
                        mount.ReadOnly ? " (ro)" : "");
                NamingItsOrigin(plan, mount, () => root.Apply(mount, source));
            }
            if (!plan.WritableRoot) root.MakeReadOnly();
        }
        if (tagCheck is not null && !tagCheck.Stands())
        {
            // The cached image does not run: the container made of it is let go (the image's serving thread ends
            // with its connection), the image that runs instead is pulled with the host's /tmp in place again, and
            // its container is made from the start.
            Staging.Remove();
            request = request with { Image = tagCheck.Replacement() };
            return RunOwn(request, site, ImageArgument.Probe(request.Image), ids, first, tagCheck: null);
        }
        NodeGroup.Host? group = null;
        if (first is not null)
        {
            var shared = SharedContainer.OfThisProcess(NodeSharing.Record(plan, Recorded(image)));
            group = new NodeGroup.Host(first.Listener, shared, () => JoinRecipe.ForFirstRank(context, plan, shared));
        }
        group?.Serve();
        HideFromTheJob();
        Tell(plan);
        Leftovers.Adopt();
        int status = plan.Output is { } output ? Say(output) : Supervisor.Run(() => ChildProcess.Start(plan.Argv,
            plan.Environment, Staging.Root, plan.WorkingDirectory, dropSysAdmin: plan.Ids.InsideUid == 0,
            wrappedJob: plan.WrappedJob));
        Leftovers.Kill();
        // Deaf to the forwarded signals now (Supervisor.Forward): the batch system signals the members itself.
        group?.WaitForMembers();
        return status;
    }

    /// <summary>Decides this rank's job from the image as the first rank mounted it (a descriptor it
    /// passed: hpcrun stays in the host's namespaces), checks that it agrees with the first rank's
    /// container, and starts the job in that container.</summary>
    private static int RunJoined(LaunchRequest request, SiteConfig site, ImageSource image, NodeRole.Member member)
    {
        HostFacts host = HostFactsReader.Read(request, site);
        SharedContainer shared = member.Container;
        ContainerPlan plan;
        using (var lower = new ContainerRoot($"/proc/self/fd/{shared.Image}"))
            plan = Planner.Decide(new LaunchContext(request, image, ReadConfig(image, lower), lower.Tree, host,
                NodeShared: true));
        Tell(plan, host);
        if (NodeSharing.FirstDifference(NodeSharing.Record(plan, Recorded(image)), shared.Record) is { } difference)
            throw new HpcRunException(ExitCode.JoinFailed,
                "this rank's container differs from the one its job shares on this node " +
                $"({Shorten(difference)}): give every rank the same options, or use --no-join or " +
                (request.JoinKey is null ? "--join-key" : "another --join-key"));
        if (Log.IsEnabled(LogEventLevel.Information)) Log.Information("joining the container of pid {Pid}", member.Pid);
        Tell(plan);
        HideFromTheJob();
        Leftovers.Adopt();
        int status = plan.Output is { } output ? Say(output) : Supervisor.Run(() => ChildProcess.Start(plan.Argv,
            plan.Environment, Staging.Root, plan.WorkingDirectory,
            join: ($"/proc/self/fd/{shared.UserNamespace}", $"/proc/self/fd/{shared.MountNamespace}"),
            dropSysAdmin: plan.Ids.InsideUid == 0, wrappedJob: plan.WrappedJob));
        Leftovers.Kill();
        GC.KeepAlive(member.Connection); // membership ends when this process does
        return status;
    }

    /// <summary>Does <paramref name="step"/> for <paramref name="mount"/>; a refusal of its destination (76) names the
    /// variable or the site configuration's line that asked for the mount (<see cref="ContainerPlan.MountOrigins"/>).
    /// </summary>
    private static void NamingItsOrigin(ContainerPlan plan, MountSpec mount, Action step)
    {
        try { step(); }
        catch (HpcRunException e) when (e.Code == ExitCode.BindTargetUnusable
                                       && plan.MountOrigins.TryGetValue(mount.Target, out string? origin))
        {
            throw new HpcRunException(e.Code, $"{e.Message} (from {origin})");
        }
    }

    /// <summary>The image as node-sharing ranks compare it: the same file (or directory) under any path.</summary>
    private static RecordedImage Recorded(ImageSource image) =>
        new(Libc.StatFollowing(Libc.Cwd, image.Path) is { } stat
            ? $"{stat.DevMajor}:{stat.DevMinor}:{stat.Inode}+{image.Offset}" : $"{image.Path}+{image.Offset}",
            image.Name);

    /// <summary>A plan without a job (<see cref="ContainerPlan.Output"/>): its output, and success.</summary>
    private static int Say(string output)
    {
        Console.Out.Write(output);
        Console.Out.Flush();
        return 0;
    }

    /// <summary>What runs (-v), and how it is started (--debug: the wrapper running the image's environment
    /// scripts). Only when asked: Serilog's generic overloads are generic interface calls, which NativeAOT
    /// resolves with its run-time type loader, started once per process: a cost every launch would pay for lines
    /// it does not print.</summary>
    private static void Tell(ContainerPlan plan)
    {
        if (!Log.IsEnabled(LogEventLevel.Information)) return;
        Log.Information("run {Command} in {Cwd}", plan.JobCommand, plan.WorkingDirectory);
        if (!plan.JobCommand.SequenceEqual(plan.Argv)) Log.Debug("exec {Argv}", plan.Argv);
    }

    /// <summary>Prints the plan's messages once per job: in its first rank, or outside any launcher
    /// (<see cref="PlanMessage.IsShownBy"/>).</summary>
    private static void Tell(ContainerPlan plan, HostFacts host)
    {
        if (!PlanMessage.IsShownBy(host.Environment)) return;
        foreach (PlanMessage message in plan.Messages)
            Log.Write(message.Level switch
            {
                MessageLevel.Warning => LogEventLevel.Warning,
                MessageLevel.Information => LogEventLevel.Information,
                _ => LogEventLevel.Debug,
            }, "{Text}", message.Text);
    }

    /// <summary>hpcrun's /proc entries (its root and descriptors: the host as hpcrun sees it, all of
    /// it) are closed to the job, whose parent it is and whose uid it shares: a process that is not
    /// dumpable can be looked into only with CAP_SYS_PTRACE in the host's user namespace, which no
    /// job has, --fakeroot or not (ptrace(2), "Ptrace access mode checking").</summary>
    private static void HideFromTheJob() => Syscalls.SetDumpable(false);

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..157] + "...";

    /// <summary>The first access to the image's directories: tables squashfuse could open may still be
    /// corrupt.</summary>
    private static void CheckReadable(ImageSource image)
    {
        try { _ = Directory.EnumerateFileSystemEntries(Staging.Lower).Any(); }
        catch (IOException)
        {
            throw new HpcRunException(ExitCode.BadImage,
                $"{image.Name}: corrupt SquashFS image (its root directory cannot be read)");
        }
    }

    /// <summary>A SIF's config lies outside its file system; others carry it at
    /// <see cref="ImageConfig.InTreePath"/>.</summary>
    private static ImageConfig ReadConfig(ImageSource image, ContainerRoot root)
    {
        if (image.EmbeddedConfig is { } embedded) return embedded;
        string? json = root.ReadText(ImageConfig.InTreePath);
        if (json is null) return ImageConfig.Empty;
        try { return ImageConfig.Parse(json); }
        catch (System.Text.Json.JsonException e)
        {
            throw new HpcRunException(ExitCode.BadImage,
                $"{ImageConfig.InTreePath} in the image: {JsonError.Describe(e)}");
        }
    }
}
