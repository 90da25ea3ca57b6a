using HpcRun.Image.Registry;

namespace HpcRun.Image.Tests;

/// <summary>The site's cache-dir holds a folder per user (<see cref="SiteCache"/>): the site's directory must keep
/// each user's folder theirs (sticky when others may write it), and a user's folder must be their own directory that
/// no one else may write, so that no user plants an image another runs.</summary>
public class SiteCacheTests
{
    private const uint Dir = 0x4000, Link = 0xA000, File = 0x8000;

    [Theory]
    [InlineData("/var/cache/hpcrun", 1500u, "/var/cache/hpcrun/1500")]
    [InlineData("/var/cache/hpcrun/", 0u, "/var/cache/hpcrun/0")]
    public void Each_user_has_a_folder_named_by_their_uid(string site, uint uid, string expected) =>
        Assert.Equal(expected, SiteCache.UserDirectory(site, uid));

    [Theory]
    [InlineData(0u, 0x3FFu)] // 1777, as /tmp
    [InlineData(0u, 0x1EDu)] // 0755: the administrator makes the users' folders
    [InlineData(65534u, 0x3F8u)] // 1770, group-shared and sticky; root shows as the overflow uid in a namespace
    public void A_site_directory_no_user_can_take_a_folder_from_serves(uint owner, uint mode) =>
        Assert.Null(SiteCache.SiteProblem("/c", new SiteCache.Entry(Dir, owner, mode), null));

    [Theory]
    [InlineData(0x1FFu, "cannot use the site's image cache /c (cache-dir): other users may write it (mode 0777) " +
        "but it is not sticky, so they could replace a user's cache with their own; an administrator makes it " +
        "sticky (chmod +t /c)")]
    [InlineData(0x1F8u, "cannot use the site's image cache /c (cache-dir): other users may write it (mode 0770)")]
    public void A_site_directory_others_may_write_without_the_sticky_bit_is_refused(uint mode, string start) =>
        Assert.StartsWith(start, SiteCache.SiteProblem("/c", new SiteCache.Entry(Dir, 0, mode), null));

    [Fact]
    public void A_missing_site_directory_says_how_an_administrator_makes_it()
    {
        Assert.Equal("cannot use the site's image cache /c (cache-dir): no such file or directory; the site's " +
            "cache-dir is an administrator's to make, writable by every user and sticky as /tmp is: " +
            "install -d -m 1777 /c", SiteCache.SiteProblem("/c", null, "no such file or directory"));
        Assert.Equal("cannot use the site's image cache /c (cache-dir): not a directory",
            SiteCache.SiteProblem("/c", new SiteCache.Entry(File, 0, 0x1FF), null));
    }

    /// <summary>The line names the configuration's line that set cache-dir, where an administrator looks first.
    /// </summary>
    [Fact]
    public void The_line_names_the_configurations_line_that_set_cache_dir()
    {
        Assert.Equal("cannot use the site's image cache /c (cache-dir from /etc/hpcrun/hpcrun.conf:3): not a " +
            "directory", SiteCache.SiteProblem("/c", new SiteCache.Entry(File, 0, 0x1FF), null,
                origin: "/etc/hpcrun/hpcrun.conf:3"));
        Assert.StartsWith("cannot use the site's image cache /c (cache-dir from /etc/hpcrun/hpcrun.conf.d/a.conf:1, " +
            "a symbolic link to /s): other users may write it", SiteCache.SiteProblem("/c",
                new SiteCache.Entry(Dir, 0, 0x1FF), null, "/s", "/etc/hpcrun/hpcrun.conf.d/a.conf:1"));
    }

    /// <summary>A cache-dir that is a symbolic link is judged by where it leads, as Apptainer follows a linked cache
    /// directory; the line names the link's target, which is what an administrator makes or mends.</summary>
    [Fact]
    public void A_site_directory_behind_a_symbolic_link_is_judged_by_its_target_which_the_line_names()
    {
        Assert.Null(SiteCache.SiteProblem("/c", new SiteCache.Entry(Dir, 0, 0x3FF), null, "/scratch/c"));
        Assert.Equal("cannot use the site's image cache /c (cache-dir, a symbolic link to /scratch/c): no such file " +
            "or directory; the site's cache-dir is an administrator's to make, writable by every user and sticky as " +
            "/tmp is: install -d -m 1777 /scratch/c",
            SiteCache.SiteProblem("/c", null, "no such file or directory", "/scratch/c"));
        Assert.Equal("cannot use the site's image cache /c (cache-dir, a symbolic link to /etc/passwd): not a " +
            "directory", SiteCache.SiteProblem("/c", new SiteCache.Entry(File, 0, 0x1A4), null, "/etc/passwd"));
        Assert.StartsWith("cannot use the site's image cache /c (cache-dir, a symbolic link to /s): other users may " +
            "write it (mode 0777) but it is not sticky",
            SiteCache.SiteProblem("/c", new SiteCache.Entry(Dir, 0, 0x1FF), null, "/s"));
    }

    /// <summary>The user's folder may be the user's own link (to a directory of theirs elsewhere), which no one else
    /// can replace in the sticky site directory: it is followed, and where it leads is checked as the folder is.
    /// A link of anyone else's is not followed.</summary>
    [Theory]
    [InlineData(Link, 1500u, true)]
    [InlineData(Link, 1501u, false)]
    [InlineData(Link, 65534u, false)]
    [InlineData(Dir, 1500u, false)]
    public void Only_the_users_own_link_is_followed(uint type, uint owner, bool followed) =>
        Assert.Equal(followed, SiteCache.IsOwnLink(new SiteCache.Entry(type, owner, 0x1FF), 1500));

    [Fact]
    public void The_users_own_private_directory_serves() =>
        Assert.Null(SiteCache.UserProblem("/c/1500", new SiteCache.Entry(Dir, 1500, 0x1C0), 1500));

    [Theory]
    [InlineData(Dir, 1501u, 0x1C0u, "another user owns it and could plant the images you would run")]
    [InlineData(Dir, 65534u, 0x1C0u, "another user owns it")] // root's or anyone's outside the namespace
    [InlineData(Dir, 1500u, 0x1FFu, "other users may write it (mode 0777) and could plant the images you would " +
        "run; make it yours alone (chmod 700 /c/1500)")]
    [InlineData(Dir, 1500u, 0x1D0u, "other users may write it (mode 0720)")]
    [InlineData(Link, 1501u, 0x1FFu, "it is a symbolic link someone else made, which could lead to images they " +
        "planted; an administrator removes it, and hpcrun makes the directory again")]
    [InlineData(Link, 65534u, 0x1FFu, "it is a symbolic link someone else made")] // root's too: not the user's
    [InlineData(File, 1500u, 0x180u, "not a directory")]
    public void A_folder_that_is_not_the_users_alone_is_refused(uint type, uint owner, uint mode, string why) =>
        Assert.StartsWith($"cannot use the image cache /c/1500: {why}",
            SiteCache.UserProblem("/c/1500", new SiteCache.Entry(type, owner, mode), 1500));

    /// <summary>A cache the user names, or a folder of it, that someone else owns is the user's to replace: the line
    /// gives the remedy its caller names instead of the site's administrator.</summary>
    [Fact]
    public void Another_users_folder_of_a_cache_the_user_names_gets_the_callers_remedy() =>
        Assert.Equal("cannot use the image cache /s/c: another user owns it and could plant the images you would " +
            "run; name a directory of your own (HPCRUN_CACHEDIR)", SiteCache.UserProblem("/s/c",
                new SiteCache.Entry(Dir, 1501, 0x1C0), 1500, "name a directory of your own (HPCRUN_CACHEDIR)"));
}
