using HpcRun.CommandLine;
using HpcRun.Gpu;
using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Launch;
using HpcRun.Launch.Parts;
using HpcRun.Mpi;
using HpcRun.Native;
using HpcRun.Rdma;
using Serilog;

namespace HpcRun.Host;

/// <summary>Gathers <see cref="HostFacts"/> for a request: all that deciding knows of the host (of the image it
/// knows what the launcher's <see cref="ImageTree"/> shows).</summary>
public static class HostFactsReader
{
    /// <param name="site">The site configuration, read first (<see cref="SiteConfigReader"/>): a bad one stops the
    /// launch before anything is mounted.</param>
    public static HostFacts Read(LaunchRequest request, SiteConfig site)
    {
        int uid = EarlyNamespace.OuterUid(), gid = EarlyNamespace.OuterGid();
        IReadOnlyDictionary<string, string> environment = Invocation.Environment;
        var (passwd, nssHome) = PasswdLine(uid, gid);
        string home = PathText.Normalize(
            environment.GetValueOrDefault("HOME") is { Length: > 0 } h && h.StartsWith('/') ? h : nssHome);

        var resolved = new Dictionary<string, string?>();
        foreach (string path in request.Binds.Select(b => b.Source).Concat(HostSystemPart.HostPaths)
            .Concat(MpiPart.HostPaths(environment)).Append(home)
            .Concat(request.Home is { } homeSpec ? [homeSpec.Source] : []))
            resolved[path] = RealPath.Resolve(path);
        foreach (SiteBind bind in site.Binds)
            if ((resolved[bind.Bind.Source] = RealPath.Resolve(bind.Bind.Source)) is null)
                Log.Information("{Origin}: bind source {Source} does not exist on this node; not bound",
                    bind.Origin, bind.Bind.Source);
        string? cwd = Invocation.CurrentDirectory();
        var envFiles = new Dictionary<string, string>();
        foreach (string file in request.EnvFiles) envFiles[file] = EnvFile.Read(file, request.EnvFilesOrigin);
        return new HostFacts
        {
            Environment = environment,
            Uid = uid,
            Gid = gid,
            PasswdLine = passwd,
            GroupLine = GroupLine(gid),
            Home = home,
            Cwd = cwd,
            CwdUnusable = cwd is null ? null : Unusable(cwd),
            ResolvedPaths = resolved,
            HomeSourceIsDirectory = request.Home is not { } spec || resolved[spec.Source] is not { } source
                || PosixFile.IsDirectory(source),
            EnvFileContents = envFiles,
            Mpi = MpiPart.Mode(request, environment, site).Value == MpiMode.Host
                ? HostMpiReader.ReadHost(environment) : null,
            Rdma = RdmaDiscovery.ReadThisHost(environment),
            Gpu = GpuPart.Selection(request, environment, site).Value.Kind == GpuKind.None
                ? GpuHost.Nothing : GpuDiscovery.ReadThisHost(environment),
            Site = site,
        };
    }

    /// <summary>Why the job could not enter <paramref name="cwd"/>; null when it can. The job reaches it by this
    /// path, through the host's directories (a bound /var/tmp, a -B) or onto the host's directory bound there, with
    /// the ids it has inside (root with --fakeroot), which hpcrun has now: access(2) answers as its chdir
    /// would.</summary>
    private static string? Unusable(string cwd) => Libc.Access(cwd, Libc.X_OK) == 0 ? null : Libc.Describe(Libc.Errno);

    private static (string Line, string Home) PasswdLine(int uid, int gid) =>
        NameService.FindUser(uid) is { } user
            ? ($"{user.Name}:x:{uid}:{user.Gid}:{user.RealName}:{user.Home}:{user.Shell}", user.Home)
            : ($"user{uid}:x:{uid}:{gid}::/:/bin/sh", "/");

    private static string GroupLine(int gid) => $"{NameService.FindGroupName(gid) ?? $"group{gid}"}:x:{gid}:";
}
