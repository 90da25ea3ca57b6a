using System.Text;
using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>
/// A base image's symlinks lead inside the build's tree, also for the files hpcrun itself reads and writes there
/// between the steps. The tree is a plain host directory, and these went through the host's file system: a base's
/// `/.build.labels -> /proc/self/environ` put the build's environment (HPCRUN_DOCKER_PASSWORD, SLURM_JWT) into the
/// image's labels, `-> /home/USER/.netrc` the user's file; `/.singularity.d/env -> DIR` had 91-environment.sh
/// written into the host's DIR and left there; `/etc/apt/apt.conf.d -> DIR` the apt setting written into it for each
/// RUN; `/.hpcrun/config.json -> FILE` read a host file as the base's config (an internal error, 70, when it was no
/// JSON). Here the "host" is a directory outside the base that the test user cannot write (so a write through the
/// host's file system fails the build), holding a file the user can read (so a read shows in the image).
/// </summary>
public sealed class HostileBaseTests : IDisposable
{
    private const string Secret = "host-only-secret", Password = "registry-password-of-the-build";
    private readonly RecipeWorkspace work = new("hostile-base");
    private readonly string outside = Path.Combine(TestImages.Dir, $"hostile-host-{Guid.NewGuid():N}");

    public HostileBaseTests()
    {
        // Root's, 0755 and 0644: the test user reads it, and cannot write into it.
        Directory.CreateDirectory(Host("dir"));
        File.WriteAllText(Host("secret"), $"{Secret} value\n");
        File.WriteAllText(Host("config.json"), $"{{\"Env\": [\"LEAKED={Secret}\"]}}\n");
        File.WriteAllText(Host("not-json"), $"{Secret} is no JSON\n");
        TestEnvironment.RunChecked("chmod", "-R", "go=rX", outside);
    }

    public void Dispose()
    {
        work.Dispose();
        TestEnvironment.RunChecked("rm", "-rf", outside);
    }

    private string Host(string name) => Path.Combine(outside, "host", name);

    /// <summary>The busybox tree with <paramref name="links"/> (path in the tree, target) made in it, and the
    /// directories <paramref name="made"/> (paths in the tree): a directory outside the workspace.</summary>
    private string Base((string Path, string Target)[] links, params string[] made)
    {
        string tree = Path.Combine(outside, "base");
        TestEnvironment.RunChecked("cp", "-a", TestImages.BusyboxTree, tree);
        foreach (string directory in made) Directory.CreateDirectory(tree + directory);
        foreach ((string path, string target) in links)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(tree + path)!);
            File.CreateSymbolicLink(tree + path, target);
        }
        TestEnvironment.RunChecked("chmod", "-R", "go=rX", tree);
        return tree;
    }

    private CommandResult Build(string recipe, params (string Name, string Value)[] variables)
    {
        foreach ((string name, string value) in variables) work.Env[name] = value;
        return work.Build("out.sif", recipe);
    }

    private void AssertHostUntouched() => Assert.Empty(Directory.GetFileSystemEntries(Host("dir")));

    private void AssertNotInImage(params string[] texts)
    {
        string image = Encoding.Latin1.GetString(File.ReadAllBytes(Path.Combine(work.Dir, "out.sif")));
        Assert.All(texts, text => Assert.DoesNotContain(text, image));
    }

    [Theory]
    [InlineData("secret")] // a file of the user's (~/.netrc, ~/.docker/config.json)
    [InlineData("/proc/self/environ")] // the build's own environment, credentials included
    public void A_base_labels_file_that_leads_to_a_host_file_gives_no_labels(string target)
    {
        Base([("/.build.labels", target == "secret" ? Host("secret") : target)]);
        work.Write("b.def", $"Bootstrap: localimage\nFrom: {outside}/base\n%post\n    true\n");
        var build = Build("b.def", ("HPCRUN_DOCKER_PASSWORD", Password), ("SLURM_JWT", Password));
        Assert.True(build.ExitCode == 0, build.ToString());
        AssertNotInImage(Secret, Password);
        var labels = work.Exec("out.sif", "cat", "/.singularity.d/labels.json");
        Assert.Equal(0, labels.ExitCode);
        Assert.DoesNotContain(Secret, labels.Stdout);
        Assert.DoesNotContain(Password, labels.Stdout);
    }

    [Fact]
    public void Post_environment_file_is_made_in_the_tree_where_the_bases_symlink_leads()
    {
        Base([("/.singularity.d/env", Host("dir"))]);
        work.Write("b.def", $"Bootstrap: localimage\nFrom: {outside}/base\n%post\n    cat $APPTAINER_ENVIRONMENT\n");
        var build = Build("b.def");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("# Custom environment shell code should follow", build.Stdout);
        AssertHostUntouched();
    }

    [Fact]
    public void Apt_setting_is_written_in_the_tree_where_the_bases_symlink_leads()
    {
        Base([("/etc/apt/apt.conf.d", Host("dir"))], Host("dir")); // the same path in the tree: a directory there
        work.Write("Dockerfile",
            $"FROM {outside}/base\nRUN grep -q Sandbox /etc/apt/apt.conf.d/00hpcrun-build-no-sandbox\n");
        var build = work.Build("out.sqfs", "Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        AssertHostUntouched();
        string listed = TestEnvironment.RunChecked("unsquashfs", "-l", "-d", "", Path.Combine(work.Dir, "out.sqfs"));
        Assert.Contains($"{Host("dir")}\n", listed);
        Assert.DoesNotContain("00hpcrun-build-no-sandbox", listed); // removed after the RUN, in the tree
    }

    [Theory]
    [InlineData("config.json", "directory")]
    [InlineData("config.json", "squashfs")]
    [InlineData("not-json", "directory")]
    [InlineData("not-json", "squashfs")]
    public void A_base_config_that_leads_to_a_host_file_is_not_read(string file, string kind)
    {
        string tree = Base([("/.hpcrun/config.json", Host(file))]);
        string from = tree;
        if (kind == "squashfs")
        {
            from = Path.Combine(outside, "base.sqfs");
            TestEnvironment.RunChecked("mksquashfs", tree, from, "-noappend", "-quiet", "-no-progress", "-all-root");
            TestEnvironment.RunChecked("chmod", "go=r", from);
        }
        work.Write("Dockerfile", $"FROM {from}\nRUN test -z \"$LEAKED\"\n");
        var build = Build("Dockerfile");
        Assert.True(build.ExitCode == 0, build.ToString());
        AssertNotInImage(Secret);
    }

    [Fact]
    public void A_base_whose_own_config_is_malformed_is_refused_in_one_line_naming_it()
    {
        string tree = Base([]);
        Directory.CreateDirectory(Path.Combine(tree, ".hpcrun"));
        File.WriteAllText(Path.Combine(tree, ".hpcrun", "config.json"), "not json\n");
        TestEnvironment.RunChecked("chmod", "-R", "go=rX", tree);
        work.Write("Dockerfile", $"FROM {tree}\nRUN true\n");
        var build = Build("Dockerfile");
        Assert.Equal((65, $"hpcrun: Dockerfile:1: {tree}: /.hpcrun/config.json: bad JSON at line 1, byte 2\n"),
            (build.ExitCode, LastLine(build.Stderr)));
        Assert.DoesNotContain("internal error", build.Stderr); // it was 70: the parser's exception, unhandled
        work.AssertOnly();
    }

    private static string LastLine(string text) => text.TrimEnd('\n').Split('\n')[^1] + "\n";
}
