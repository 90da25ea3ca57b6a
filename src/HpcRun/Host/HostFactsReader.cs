using System.Runtime.InteropServices;
using HpcRun.Image.Text;
using HpcRun.Launch.Parts;
using HpcRun.Launch;
using HpcRun.Mpi;
using HpcRun.Native;
using HpcRun.Rdma;
using Serilog;

namespace HpcRun.Host;

/// <summary>Gathers <see cref="HostFacts"/> for a request: the one impure step before deciding.</summary>
public static class HostFactsReader
{
    public static HostFacts Read(LaunchRequest request)
    {
        int uid = EarlyNamespace.OuterUid(), gid = EarlyNamespace.OuterGid();
        Dictionary<string, string> environment = Invocation.Environment();
        SiteConfig site = SiteConfigReader.Read(environment);
        var (passwd, nssHome) = PasswdLine(uid, gid);
        string home = PathText.Normalize(environment.GetValueOrDefault("HOME") is { Length: > 0 } h && h.StartsWith('/') ? h : nssHome);

        var resolved = new Dictionary<string, string?>();
        foreach (string path in request.Binds.Select(b => b.Source).Concat(HostSystemPart.HostPaths).Concat(MpiPart.HostPaths(environment)).Append(home))
            resolved[path] = RealPath.Resolve(path);
        foreach (SiteBind bind in site.Binds)
            if ((resolved[bind.Bind.Source] = RealPath.Resolve(bind.Bind.Source)) is null)
                Log.Information("{Origin}: bind source {Source} does not exist on this node; not bound",
                    bind.Origin, bind.Bind.Source);
        var envFiles = new Dictionary<string, string>();
        foreach (string file in request.EnvFiles) envFiles[file] = ReadEnvFile(file);
        return new HostFacts
        {
            Environment = environment,
            Uid = uid,
            Gid = gid,
            PasswdLine = passwd,
            GroupLine = GroupLine(gid),
            Home = home,
            Cwd = Invocation.CurrentDirectory(),
            ResolvedPaths = resolved,
            EnvFileContents = envFiles,
            Mpi = MpiPart.Mode(request, environment, site) == MpiMode.Host ? HostMpiReader.ReadHost(environment) : null,
            Rdma = RdmaDiscovery.ReadThisHost(environment),
            Site = site,
        };
    }

    /// <summary>An --env-file's text, its bytes kept (<see cref="RawText"/>); at most 1 MiB.</summary>
    public static string ReadEnvFile(string file) =>
        TryReadText(file, out int errno) ?? throw new HpcRunException(ExitCode.BadEnvironmentFile,
            $"cannot read env file {file}: {WhyUnreadable(errno)}");

    /// <summary>A small host file's text (an env file, a configuration file), its bytes kept
    /// (<see cref="RawText"/>); at most 1 MiB. Null when it cannot be read, with open(2)'s
    /// <paramref name="errno"/>, or 0 when it opened but is not a regular file or pipe.</summary>
    public static string? TryReadText(string file, out int errno)
    {
        int fd = Syscalls.TryOpen(file, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC, out errno);
        return fd >= 0 && Syscalls.ReadAll(fd, TextFileLimit) is { } bytes ? RawText.Decode(bytes) : null;
    }

    /// <summary>Why <see cref="TryReadText"/> failed, from its errno.</summary>
    public static string WhyUnreadable(int errno) =>
        errno == 0 ? "not a regular file" : Marshal.GetPInvokeErrorMessage(errno);

    private const int TextFileLimit = 1 << 20;

    private static (string Line, string Home) PasswdLine(int uid, int gid) =>
        NameService.FindUser(uid) is { } user
            ? ($"{user.Name}:x:{uid}:{user.Gid}:{user.RealName}:{user.Home}:{user.Shell}", user.Home)
            : ($"user{uid}:x:{uid}:{gid}::/:/bin/sh", "/");

    private static string GroupLine(int gid) => $"{NameService.FindGroupName(gid) ?? $"group{gid}"}:x:{gid}:";
}
