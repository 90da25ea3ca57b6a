namespace HpcRun.Image.Registry;

/// <summary>
/// The site's cache-dir, shared by the users of a node or of a cluster's file system, holds one image cache per user:
/// <c>cache-dir/UID</c>, made by its user and private to them (0700), as Apptainer's cache is per user. Nothing in
/// it is ever writable by another user, so that no user can plant an image another one runs: a user's folder that is
/// not their own directory, or that others may write, is refused rather than used. The site's directory itself is an
/// administrator's, writable by every user and sticky, as /tmp is (<c>install -d -m 1777 DIR</c>): sticky, so that
/// no user can remove or rename another's folder to put one of theirs in its place. A symbolic link is followed
/// where no other user can have made it or can replace it, as Apptainer follows a linked cache directory: the
/// site's cache-dir (the administrator's configuration names it, and the link is replaced only by whoever may
/// replace a directory there), and a user's folder that is the user's own link. Pure: the caller reads the facts
/// (<see cref="Entry"/>).
/// </summary>
public static class SiteCache
{
    /// <summary>What statx says of a path; null where it cannot (the caller's <c>Why</c> says why).</summary>
    /// <param name="Owner">The owner as this process sees it (in a user namespace, the inside uid).</param>
    /// <param name="Mode">The permission bits with setuid, setgid and sticky (07777).</param>
    public readonly record struct Entry(uint Type, uint Owner, uint Mode);

    private const uint Directory = 0x4000, Symlink = 0xA000, Sticky = 0x200, OthersWrite = 0x12; // 0o1000, 0o022

    /// <summary>What an administrator does so that the site's cache serves every user.</summary>
    public static string MakeIt(string site) =>
        $"the site's cache-dir is an administrator's to make, writable by every user and sticky as /tmp is: " +
        $"install -d -m 1777 {site}";

    /// <summary>The key that named the site's directory, with the configuration's FILE:LINE that set it
    /// (<paramref name="origin"/>; null when unknown), for an administrator looking for the line to change.</summary>
    public static string Key(string? origin) => origin is null ? "cache-dir" : $"cache-dir from {origin}";

    private static string Octal(uint mode) => Convert.ToString(mode, 8).PadLeft(4, '0');

    /// <summary>The cache of the user <paramref name="uid"/> (the real uid, whatever a user namespace maps it to:
    /// the name is the same for every launch of that user).</summary>
    public static string UserDirectory(string site, uint uid) => $"{site.TrimEnd('/')}/{uid}";

    /// <summary>Why the site's directory <paramref name="site"/> cannot hold the users' caches; null when it can.
    /// <paramref name="entry"/>: what <paramref name="site"/> leads to, a symbolic link followed; null: it could not
    /// be read, for <paramref name="why"/> (strerror's words). <paramref name="linkTarget"/>: where
    /// <paramref name="site"/> leads when it is a symbolic link (absolute), which the line names and which an
    /// administrator makes. <paramref name="origin"/>: the FILE:LINE that set cache-dir (<see cref="Key"/>).</summary>
    public static string? SiteProblem(string site, Entry? entry, string? why, string? linkTarget = null,
        string? origin = null)
    {
        string start = $"cannot use the site's image cache {site} ({Key(origin)}" +
            (linkTarget is null ? "): " : $", a symbolic link to {linkTarget}): ");
        if (entry is not { } e) return $"{start}{why}; {MakeIt(linkTarget ?? site)}";
        if ((e.Type & 0xF000) != Directory) return start + "not a directory";
        if ((e.Mode & OthersWrite) != 0 && (e.Mode & Sticky) == 0)
            return start + $"other users may write it (mode {Octal(e.Mode)}) but it is not sticky, so they could " +
                $"replace a user's cache with their own; an administrator makes it sticky (chmod +t {site})";
        return null;
    }

    /// <summary>Whether the user's folder (<paramref name="entry"/>, the link itself) is a symbolic link of the
    /// user's (<paramref name="self"/>) own, to follow: in the site's directory no one else can replace it.</summary>
    public static bool IsOwnLink(Entry entry, uint self) => (entry.Type & 0xF000) == Symlink && entry.Owner == self;

    /// <summary>What the site's user folder that is not the user's alone needs.</summary>
    public const string AdministratorRemoves = "an administrator removes it, and hpcrun makes it again";

    /// <summary>Why the user's own cache <paramref name="directory"/> (or a folder of it: any cache, not only the
    /// site's) must not be used; null when it is the user's (<paramref name="self"/>: this process's effective uid)
    /// and only theirs to write. <paramref name="entry"/>: the folder itself, or what the user's own link leads to
    /// (<see cref="IsOwnLink"/>). <paramref name="remedy"/>: what to do when someone else owns it.</summary>
    public static string? UserProblem(string directory, Entry entry, uint self, string remedy = AdministratorRemoves)
    {
        string start = $"cannot use the image cache {directory}: ";
        if ((entry.Type & 0xF000) == Symlink)
            return start + "it is a symbolic link someone else made, which could lead to images they planted; an " +
                "administrator removes it, and hpcrun makes the directory again";
        if ((entry.Type & 0xF000) != Directory) return start + "not a directory";
        if (entry.Owner != self)
            return start + "another user owns it and could plant the images you would run; " + remedy;
        if ((entry.Mode & OthersWrite) != 0)
            return start + $"other users may write it (mode {Octal(entry.Mode)}) and could plant the images you " +
                $"would run; make it yours alone (chmod 700 {directory})";
        return null;
    }
}
