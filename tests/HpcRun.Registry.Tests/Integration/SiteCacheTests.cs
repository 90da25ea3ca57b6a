using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>A site's cache-dir shared by several users: each runs and pulls in a private folder of their own
/// (cache-dir/UID, 0700), and no user can plant an image another runs: a folder that is not its user's alone, or a
/// site directory that lets users take each other's folders, is refused (108) in one line, before anything
/// runs.</summary>
[Collection(RegistryCollection.Name)]
public sealed class SiteCacheTests(RegistryFixture registry) : IDisposable
{
    private const UnixFileMode Private = (UnixFileMode)0b111_000_000, LikeTmp = (UnixFileMode)0b1_111_111_111;
    private readonly string dir = WritableDir();

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    private string Site => Path.Combine(dir, "site");

    /// <summary>The configuration naming <see cref="Site"/>, made with <paramref name="mode"/> unless null.</summary>
    private Dictionary<string, string> SiteEnv(UnixFileMode? mode = LikeTmp)
    {
        if (mode is { } m)
        {
            Directory.CreateDirectory(Site);
            File.SetUnixFileMode(Site, m);
        }
        string config = Path.Combine(dir, "hpcrun.conf");
        File.WriteAllText(config, $"cache-dir = {Site}\n");
        return new() { ["HPCRUN_INSECURE"] = "1", ["HPCRUN_CONFIG"] = config };
    }

    [Fact]
    public void Two_users_share_a_site_cache_each_in_a_private_folder_of_their_own()
    {
        var env = SiteEnv();
        string reference = registry.PlainRef("test/multi:1");
        string other = TestEnvironment.EnsureSecondUser();
        CommandResult first = Hpcrun.Run([reference, "/bin/cat", "/data/kept"], env);
        Assert.True(first.ExitCode == 0, first.ToString());
        CommandResult second = Hpcrun.RunAs(other, [reference, "/bin/cat", "/data/kept"], env);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal("kept\n", second.Stdout);
        foreach (string uid in new[] { "1500", "1501" })
        {
            string mine = Path.Combine(Site, uid);
            Assert.Equal(Private, File.GetUnixFileMode(mine));
            Assert.Equal(uid, TestEnvironment.RunChecked("stat", "-c", "%u", mine).Trim());
            Assert.Single(Directory.GetFiles(Path.Combine(mine, "sif"), "*.sif"));
        }
        Assert.Contains(reference, Hpcrun.RunAs(other, ["cache", "list"], env).Stdout);
        CommandResult pulled = Hpcrun.RunAs(other, ["pull", "--cache", reference], env);
        Assert.True(pulled.ExitCode == 0, pulled.ToString());
        Assert.StartsWith(Path.Combine(Site, "1501", "sif") + "/", pulled.Stdout);
    }

    /// <summary>User B makes A's folder first, with an image in it: A's launch, pull and cache verbs refuse it,
    /// and nothing of B's runs.</summary>
    [Fact]
    public void A_folder_another_user_made_for_you_is_refused()
    {
        var env = SiteEnv();
        string planted = Path.Combine(Site, "1500");
        Directory.CreateDirectory(planted);
        TestEnvironment.RunChecked("chown", $"{TestEnvironment.EnsureSecondUser()}:", planted);
        string line = $"hpcrun: cannot use the image cache {planted}: another user owns it and could plant the " +
            "images you would run; an administrator removes it, and hpcrun makes it again\n";
        string[][] launches = [[registry.PlainRef("test/multi:1"), "/bin/true"], ["cache", "list"],
            ["pull", "--cache", registry.PlainRef("test/multi:1")]];
        foreach (string[] args in launches)
        {
            CommandResult run = Hpcrun.Run(args, env);
            Assert.Equal((108, line, ""), (run.ExitCode, run.Stderr, run.Stdout));
        }
        Assert.Empty(Directory.GetFileSystemEntries(planted));
    }

    [Fact]
    public void A_folder_of_yours_that_others_may_write_is_refused()
    {
        var env = SiteEnv();
        string mine = Path.Combine(Site, "1500");
        Directory.CreateDirectory(mine);
        TestEnvironment.RunChecked("chown", $"{TestEnvironment.User}:", mine);
        File.SetUnixFileMode(mine, (UnixFileMode)0b111_111_111);
        CommandResult run = Hpcrun.Run([registry.PlainRef("test/multi:1"), "/bin/true"], env);
        Assert.Equal(108, run.ExitCode);
        Assert.Equal($"hpcrun: cannot use the image cache {mine}: other users may write it (mode 0777) and could " +
            $"plant the images you would run; make it yours alone (chmod 700 {mine})\n", run.Stderr);
    }

    [Fact]
    public void A_site_directory_that_is_missing_or_lets_users_replace_each_others_folders_is_refused()
    {
        var missing = Hpcrun.Run([registry.PlainRef("test/multi:1"), "/bin/true"], SiteEnv(mode: null));
        Assert.Equal((108, $"hpcrun: cannot use the site's image cache {Site} (cache-dir): no such file or " +
            "directory; the site's cache-dir is an administrator's to make, writable by every user and sticky as " +
            $"/tmp is: install -d -m 1777 {Site}\n"), (missing.ExitCode, missing.Stderr));
        Assert.False(Directory.Exists(Site));
        var notSticky = Hpcrun.Run(["cache", "list"], SiteEnv((UnixFileMode)0b111_111_111));
        Assert.Equal(108, notSticky.ExitCode);
        Assert.StartsWith($"hpcrun: cannot use the site's image cache {Site} (cache-dir): other users may write it " +
            "(mode 0777) but it is not sticky", notSticky.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(Site));
    }

    /// <summary>A local image needs no cache: a site cache that cannot serve does not stop it.</summary>
    [Fact]
    public void A_local_image_runs_and_is_inspected_whatever_the_site_cache()
    {
        var env = SiteEnv(mode: null);
        Assert.Equal(0, Hpcrun.Run([TestImages.BusyboxSquashFs, "/bin/true"], env).ExitCode);
        CommandResult inspect = Hpcrun.Run(["inspect", TestImages.BusyboxSquashFs], env);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
    }

    private static string WritableDir()
    {
        string path = Path.Combine(TestImages.Dir, $"site-cache-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }
}
