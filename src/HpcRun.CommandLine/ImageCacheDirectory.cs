using HpcRun.Image.Posix;
using HpcRun.Image.Registry;
using HpcRun.Launch;

namespace HpcRun.CommandLine;

/// <summary>Where the image cache of `hpcrun docker://REF`, pull, cache and recipe builds is
/// (<see cref="ImageCache.DirectoryFrom"/>), with hpcrun's statuses: the launcher and hpcrun-tools find it
/// alike.</summary>
public static class ImageCacheDirectory
{
    /// <summary>The variable in which the launcher hands the site's cache-dir to hpcrun-tools (which reads no site
    /// configuration): the folder of the user's own in it is made and checked where it is used
    /// (<see cref="SiteCache"/>), not for a verb that needs no cache.</summary>
    public const string SiteVariable = "HPCRUN_SITE_CACHEDIR";

    /// <summary>The variable in which the launcher hands over the configuration's FILE:LINE that set cache-dir, which
    /// a refusal of the site's directory names.</summary>
    public const string SiteOriginVariable = "HPCRUN_SITE_CACHEDIR_FROM";

    /// <summary>The site's cache-dir the launcher handed over (<see cref="SiteVariable"/>) and the line that set it
    /// (<see cref="SiteOriginVariable"/>); null when none.</summary>
    public static Setting<string>? HandedSite(Func<string, string?> environment) =>
        environment(SiteVariable) is { Length: > 0 } site
            ? new Setting<string>(site, environment(SiteOriginVariable) is { Length: > 0 } origin ? origin : null)
            : null;

    /// <summary>The cache's directory; null when no variable names one. When the site's cache-dir
    /// (<paramref name="siteDirectory"/>) decides, it is the user's folder in it, made now if missing and checked
    /// to be the user's alone; <paramref name="uid"/> names that folder (default: this process's effective uid; the
    /// launcher, whose --fakeroot maps the user to 0, gives the real one). Any cache, and each of its folders that
    /// is there (<see cref="ImageCache.Folders"/>), must be the user's alone, so that no one else can plant an image
    /// the user would run or a step a recipe build would take (<see cref="CheckOwn"/>).</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>) when the variable that decides is a
    /// relative path; 108 (<see cref="ExitCode.DiskFullOrCacheUnusable"/>) for a cache that cannot be used
    /// safely.</exception>
    public static string? Find(Func<string, string?> environment, Setting<string>? siteDirectory, uint? uid = null)
    {
        string? found;
        try { found = ImageCache.DirectoryFrom(environment, siteDirectory?.Value); }
        catch (FormatException e) { throw new HpcRunException(ExitCode.Usage, e.Message); }
        bool site = siteDirectory is not null && !ImageCache.OwnDirectoryGiven(environment);
        if (site) found = EnterSite(siteDirectory!, uid ?? Libc.EffectiveUidNow());
        if (found is not null) CheckOwn(found, checkRoot: !site);
        return found;
    }

    /// <summary>Refuses a cache (<paramref name="checkRoot"/>: the directory itself too, which the site's folder
    /// has had checked already) or a folder of it that is there but someone else's or writable by others: a
    /// directory another user made first where the user's cache goes (a shared /tmp or scratch), or one the user
    /// left open. What is missing is made private when it is needed (<see cref="ImageCache.MakeDirectory"/>); what is
    /// no directory is said there too.
    /// Symbolic links are followed: only the directory they lead to holds images.</summary>
    private static void CheckOwn(string cache, bool checkRoot)
    {
        uint self = Libc.EffectiveUidNow();
        string root = cache.TrimEnd('/');
        IEnumerable<string> folders = ImageCache.Folders.Select(folder => $"{root}/{folder}");
        foreach (string path in checkRoot ? folders.Prepend(cache) : folders)
        {
            // Missing, unreadable or no directory: said where it is used, as before the cache is made.
            if (Read(path, follow: true, out _) is not { } entry || (entry.Type & Libc.S_IFMT) != Libc.S_IFDIR)
                continue;
            string remedy = path == cache ? "name a directory of your own (HPCRUN_CACHEDIR)"
                : $"remove it (rm -rf {path}), and hpcrun makes it again, yours alone";
            if (SiteCache.UserProblem(path, entry, self, remedy) is { } problem)
                throw new HpcRunException(ExitCode.DiskFullOrCacheUnusable, problem);
        }
    }

    /// <summary>The command that puts <paramref name="reference"/> (as typed) into the image cache, for the lines that
    /// say the cache lacks it (`hpcrun pull REF` alone writes NAME_TAG.sif, which no docker:// launch finds).</summary>
    public static string PullCommand(string reference) => $"hpcrun pull --cache {reference}";

    /// <summary>The cache's directory, which the caller needs.</summary>
    /// <exception cref="HpcRunException">64 and 108 as <see cref="Find"/>; 108 when no variable names one.</exception>
    public static string Require(Func<string, string?> environment, Setting<string>? siteDirectory,
        uint? uid = null) =>
        Find(environment, siteDirectory, uid) ?? throw new HpcRunException(ExitCode.DiskFullOrCacheUnusable,
            NoCache);

    /// <summary>What <see cref="Require"/> says when no variable names a cache.</summary>
    public const string NoCache = "no image cache: set HPCRUN_CACHEDIR, XDG_CACHE_HOME or HOME";

    /// <summary>The user's folder in the site's cache, made private (0700) when missing; refused unless it is the
    /// user's own directory that no one else may write, in a site directory that no one can take it from. The site's
    /// directory is followed when it is a symbolic link, and so is the user's folder when it is the user's own link
    /// (<see cref="SiteCache"/>).</summary>
    private static string EnterSite(Setting<string> setting, uint uid)
    {
        string site = setting.Value;
        string plain = site.TrimEnd('/'); // readlink of "link/" reads the directory it leads to, not the link
        string? linkTarget = plain.Length > 0 && Libc.ReadLink(Libc.Cwd, plain) is { } target
            ? Path.GetFullPath(target, Path.GetDirectoryName(plain) ?? "/") : null;
        if (SiteCache.SiteProblem(site, Read(site, follow: true, out string? why), why, linkTarget, setting.Origin)
            is { } problem)
            throw new HpcRunException(ExitCode.DiskFullOrCacheUnusable, problem);
        string mine = SiteCache.UserDirectory(site, uid);
        if (Libc.MkdirAt(Libc.Cwd, mine, 0b111_000_000) != 0 && Libc.Errno is var errno && errno != Libc.EEXIST)
            throw new HpcRunException(ExitCode.DiskFullOrCacheUnusable,
                $"cannot make the image cache {mine} (a folder of {SiteCache.Key(setting.Origin)}): " +
                $"{IoError.Describe(errno)}; {SiteCache.MakeIt(site)}");
        // Read after mkdir, whoever made it: a folder another user put there first must be found out now.
        uint self = Libc.EffectiveUidNow();
        SiteCache.Entry? entry = Read(mine, follow: false, out string? whyNot);
        if (entry is { } link && SiteCache.IsOwnLink(link, self)) entry = Read(mine, follow: true, out whyNot);
        if (entry is null)
            throw new HpcRunException(ExitCode.DiskFullOrCacheUnusable, $"cannot use the image cache {mine}: {whyNot}");
        if (SiteCache.UserProblem(mine, entry.Value, self) is { } userProblem)
            throw new HpcRunException(ExitCode.DiskFullOrCacheUnusable, userProblem);
        return mine;
    }

    private static SiteCache.Entry? Read(string path, bool follow, out string? why)
    {
        Libc.Statx? stat = follow ? Libc.StatFollowing(Libc.Cwd, path) : Libc.Stat(Libc.Cwd, path);
        why = stat is null ? IoError.Describe(Libc.Errno) : null;
        return stat is { } s ? new SiteCache.Entry(s.Type, s.Uid, s.Mode & 0xFFFu) : null;
    }
}
