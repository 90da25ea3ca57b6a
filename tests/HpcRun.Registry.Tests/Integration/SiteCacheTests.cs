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

    /// <summary>The key and the configuration's line that set it, as a refusal of the site's directory names them.
    /// </summary>
    private string Key => $"cache-dir from {dir}/hpcrun.conf:1";

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

    /// <summary>Each line names the configuration's line that set cache-dir: the administrator's to mend.</summary>
    [Fact]
    public void A_site_directory_that_is_missing_or_lets_users_replace_each_others_folders_is_refused()
    {
        var missing = Hpcrun.Run([registry.PlainRef("test/multi:1"), "/bin/true"], SiteEnv(mode: null));
        Assert.Equal((108, $"hpcrun: cannot use the site's image cache {Site} ({Key}): no such file or " +
            "directory; the site's cache-dir is an administrator's to make, writable by every user and sticky as " +
            $"/tmp is: install -d -m 1777 {Site}\n"), (missing.ExitCode, missing.Stderr));
        Assert.False(Directory.Exists(Site));
        var notSticky = Hpcrun.Run(["cache", "list"], SiteEnv((UnixFileMode)0b111_111_111));
        Assert.Equal(108, notSticky.ExitCode);
        Assert.StartsWith($"hpcrun: cannot use the site's image cache {Site} ({Key}): other users may write it " +
            "(mode 0777) but it is not sticky", notSticky.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(Site));
        var closed = Hpcrun.Run(["cache", "list"], SiteEnv((UnixFileMode)0b111_101_101)); // 0755, no folder made
        Assert.Equal((108, $"hpcrun: cannot make the image cache {Site}/1500 (a folder of {Key}): permission denied; " +
            "the site's cache-dir is an administrator's to make, writable by every user and sticky as /tmp is: " +
            $"install -d -m 1777 {Site}\n"), (closed.ExitCode, closed.Stderr));
    }

    /// <summary>`hpcrun doctor` checks the cache a launch would use with the launch's own function: where a launch of
    /// a docker:// image would stop at the site's cache, doctor fails (75) with the launch's line, with or without an
    /// image; a usable one is OK, naming the user's folder, which it makes as a launch's first use does.</summary>
    [Fact]
    public void Doctor_fails_with_the_launchs_line_where_a_launch_would_refuse_the_site_cache()
    {
        var env = SiteEnv();
        CommandResult fine = Hpcrun.Run(["doctor"], env);
        string mine = Path.Combine(Site, "1500");
        Assert.Contains($"OK    image cache: {mine}, where docker:// images are pulled and run from\n", fine.Stdout);
        Assert.Equal(Private, File.GetUnixFileMode(mine));
        File.SetUnixFileMode(mine, (UnixFileMode)0b111_111_111);
        string line = $"cannot use the image cache {mine}: other users may write it (mode 0777) and could plant the " +
            $"images you would run; make it yours alone (chmod 700 {mine})";
        string reference = registry.PlainRef("test/multi:1");
        foreach (string[] args in new[] { new[] { "doctor" }, ["doctor", reference] })
        {
            CommandResult doctor = Hpcrun.Run(args, env);
            Assert.Equal(75, doctor.ExitCode);
            Assert.Contains($"FAIL  image cache: {line} (fix: every `hpcrun docker://REF` here stops with this line; " +
                "local images run)\n", doctor.Stdout);
        }
        Assert.Contains($"WARN  cached image: {reference} was not checked: the image cache cannot be used",
            Hpcrun.Run(["doctor", reference], env).Stdout);
        CommandResult launch = Hpcrun.Run([reference, "/bin/true"], env);
        Assert.Equal((108, $"hpcrun: {line}\n"), (launch.ExitCode, launch.Stderr)); // the line doctor gave
        var notSticky = Hpcrun.Run(["doctor"], SiteEnv((UnixFileMode)0b111_111_111));
        Assert.Equal(75, notSticky.ExitCode);
        Assert.Contains($"FAIL  image cache: cannot use the site's image cache {Site} ({Key}): other users may " +
            "write it (mode 0777) but it is not sticky", notSticky.Stdout);
    }

    /// <summary>A cache-dir that is a symbolic link (the administrator's /var/cache/hpcrun to a scratch file system)
    /// is followed, as Apptainer follows a linked cache directory: the users' folders are made where it leads. One that
    /// leads nowhere or to a file is refused (108), naming where it leads.</summary>
    [Fact]
    public void A_site_directory_behind_a_symbolic_link_serves_and_one_leading_nowhere_or_to_a_file_is_refused()
    {
        string real = Path.Combine(dir, "real");
        Directory.CreateDirectory(real);
        File.SetUnixFileMode(real, LikeTmp);
        File.CreateSymbolicLink(Site, real);
        var env = SiteEnv(mode: null);
        string reference = registry.PlainRef("test/multi:1");
        CommandResult run = Hpcrun.Run([reference, "/bin/cat", "/data/kept"], env);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("kept\n", run.Stdout);
        Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(real, "1500")));
        Assert.Single(Directory.GetFiles(Path.Combine(real, "1500", "sif"), "*.sif"));
        Assert.Contains(reference, Hpcrun.Run(["cache", "list"], env).Stdout);

        File.Delete(Site);
        File.CreateSymbolicLink(Site, "nowhere"); // relative, as ln -s makes it: named as it resolves
        string nowhere = Path.Combine(dir, "nowhere");
        CommandResult dangling = Hpcrun.Run(["cache", "list"], env);
        Assert.Equal((108, $"hpcrun: cannot use the site's image cache {Site} ({Key}, a symbolic link to " +
            $"{nowhere}): no such file or directory; the site's cache-dir is an administrator's to make, writable by " +
            $"every user and sticky as /tmp is: install -d -m 1777 {nowhere}\n", ""),
            (dangling.ExitCode, dangling.Stderr, dangling.Stdout));
        File.Delete(Site);
        File.CreateSymbolicLink(Site, Path.Combine(dir, "hpcrun.conf"));
        CommandResult file = Hpcrun.Run([reference, "/bin/true"], env);
        Assert.Equal((108, $"hpcrun: cannot use the site's image cache {Site} ({Key}, a symbolic link to " +
            $"{Path.Combine(dir, "hpcrun.conf")}): not a directory\n"), (file.ExitCode, file.Stderr));
        Assert.False(Path.Exists(nowhere));
    }

    /// <summary>The user's folder may be the user's own link to a private directory of theirs (another file system);
    /// no one else can replace it in the sticky site directory, so it is followed and where it leads is checked as
    /// the folder is. A link someone else made there is refused (108), and nothing runs.</summary>
    [Fact]
    public void The_users_own_link_is_followed_and_a_link_of_someone_elses_is_refused()
    {
        var env = SiteEnv();
        string mine = Path.Combine(Site, "1500"), elsewhere = Path.Combine(dir, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        TestEnvironment.RunChecked("chown", $"{TestEnvironment.User}:", elsewhere);
        File.SetUnixFileMode(elsewhere, Private);
        File.CreateSymbolicLink(mine, elsewhere);
        TestEnvironment.RunChecked("chown", "-h", $"{TestEnvironment.User}:", mine);
        string reference = registry.PlainRef("test/multi:1");
        CommandResult run = Hpcrun.Run([reference, "/bin/cat", "/data/kept"], env);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Single(Directory.GetFiles(Path.Combine(elsewhere, "sif"), "*.sif"));

        File.SetUnixFileMode(elsewhere, (UnixFileMode)0b111_111_111);
        CommandResult open = Hpcrun.Run(["cache", "list"], env);
        Assert.Equal((108, $"hpcrun: cannot use the image cache {mine}: other users may write it (mode 0777) and " +
            $"could plant the images you would run; make it yours alone (chmod 700 {mine})\n"),
            (open.ExitCode, open.Stderr));

        File.SetUnixFileMode(elsewhere, Private);
        TestEnvironment.RunChecked("chown", "-h", $"{TestEnvironment.EnsureSecondUser()}:", mine);
        string line = $"hpcrun: cannot use the image cache {mine}: it is a symbolic link someone else made, which " +
            "could lead to images they planted; an administrator removes it, and hpcrun makes the directory again\n";
        foreach (string[] args in new[] { new[] { reference, "/bin/true" }, ["cache", "list"] })
        {
            CommandResult refused = Hpcrun.Run(args, env);
            Assert.Equal((108, line, ""), (refused.ExitCode, refused.Stderr, refused.Stdout));
        }
    }

    /// <summary>Not only the site's: a cache the user names (HPCRUN_CACHEDIR, a shared scratch or /tmp) that another
    /// user made first, with a SIF planted where the user's image goes, is refused (108) by the launch, the pull, the
    /// cache verbs and a recipe build, and nothing of it runs; so is the user's own cache that others may write, and a
    /// folder of it (sif/, refs/, tls/, recipe/) that is someone else's.</summary>
    [Fact]
    public void A_cache_named_by_the_user_that_is_not_theirs_alone_is_refused_at_every_use()
    {
        string reference = registry.PlainRef("test/multi:1"), cache = Path.Combine(dir, "shared");
        string work = TestEnvironment.UsersOwnDirectory(Path.Combine(dir, "work"));
        Directory.CreateDirectory(Path.Combine(cache, "sif"));
        File.WriteAllText(Path.Combine(work, "Dockerfile"), $"FROM {TestImages.BusyboxTree}\nRUN touch /x\n");
        TestEnvironment.RunChecked("chmod", "-R", "777", cache);
        TestEnvironment.RunChecked("chown", "-R", $"{TestEnvironment.EnsureSecondUser()}:", cache);
        var env = new Dictionary<string, string> { ["HPCRUN_INSECURE"] = "1", ["HPCRUN_CACHEDIR"] = cache };
        string[][] uses = [[reference, "/bin/true"], ["pull", "--cache", reference], ["cache", "list"],
            ["cache", "clean"], ["build", Path.Combine(work, "out.sif"), Path.Combine(work, "Dockerfile")]];
        void AllRefuse(string line)
        {
            foreach (string[] args in uses)
            {
                CommandResult run = Hpcrun.Run(args, env, cwd: work);
                Assert.Equal((108, $"hpcrun: {line}\n", ""), (run.ExitCode, run.Stderr, run.Stdout));
            }
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(cache, "sif")));
            Assert.False(File.Exists(Path.Combine(work, "out.sif")));
        }
        AllRefuse($"cannot use the image cache {cache}: another user owns it and could plant the images you would " +
            "run; name a directory of your own (HPCRUN_CACHEDIR)");
        TestEnvironment.RunChecked("chown", $"{TestEnvironment.User}:", cache);
        AllRefuse($"cannot use the image cache {cache}: other users may write it (mode 0777) and could plant the " +
            $"images you would run; make it yours alone (chmod 700 {cache})");
        File.SetUnixFileMode(cache, (UnixFileMode)0b111_000_000);
        string sif = Path.Combine(cache, "sif");
        AllRefuse($"cannot use the image cache {sif}: another user owns it and could plant the images you would " +
            $"run; remove it (rm -rf {sif}), and hpcrun makes it again, yours alone");
        Directory.Delete(sif);
        CommandResult mine = Hpcrun.Run([reference, "/bin/cat", "/data/kept"], env);
        Assert.True(mine.ExitCode == 0, mine.ToString());
        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(sif));
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
