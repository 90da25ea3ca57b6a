using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HpcRun.TestSupport;

namespace HpcRun.Build.Tests.Recipe.Integration;

/// <summary>An edited rebuild copies the compressed blocks of the files its tree shares with the cached step before
/// it from the image an earlier build kept in the cache, instead of reading and compressing them again (edited
/// rebuilds spent half their time compressing unchanged files): the image has the bytes a --no-cache build gives,
/// and an earlier image or index that changed is not read, the writer compressing as it would without.</summary>
public sealed class ImageReuseTests : IDisposable
{
    private const string Reusing = "copying unchanged files from an earlier image";
    private readonly RecipeWorkspace work = new("image-reuse");

    public ImageReuseTests() =>
        // Later than every time of the base, earlier than the RUNs': --no-cache's image has the same times.
        work.Env["SOURCE_DATE_EPOCH"] = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 10}";

    public void Dispose() => work.Dispose();

    private string Sha256(string name) =>
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(work.Dir, name))));

    /// <summary>A recipe whose first RUN makes files of several blocks and a few hundred fragments' worth of small
    /// ones, and whose last RUN writes <paramref name="last"/>.</summary>
    private void Recipe(string last) => work.Write("Dockerfile", $"FROM {TestImages.BusyboxSquashFs}\n" +
        "RUN seq 1 200000 > /big && seq 7 300000 > /big2 && mkdir /d && " +
        "for i in $(seq 1 300); do seq $i 3000 > /d/f$i; done\n" +
        $"RUN echo {last} > /last && seq 1 50000 > /new\n");

    private CommandResult Build(params string[] args)
    {
        CommandResult build = work.Build(args);
        Assert.True(build.ExitCode == 0, build.ToString());
        return build;
    }

    [Fact]
    public void An_edited_rebuild_copies_the_unchanged_files_and_gives_the_bytes_of_a_build_without_cache()
    {
        Recipe("one");
        Assert.DoesNotContain(Reusing, Build("first.sif", "Dockerfile").Stderr);
        Recipe("two");
        Assert.Contains(Reusing, Build("edited.sif", "Dockerfile").Stderr);
        Build("--no-cache", "uncached.sif", "Dockerfile");
        Assert.Equal(Sha256("uncached.sif"), Sha256("edited.sif"));
        Recipe("three");
        Assert.Contains(Reusing, Build("again.sqfs", "--sqfs", "Dockerfile").Stderr); // a bare SquashFS too
        Build("--no-cache", "--sqfs", "again-uncached.sqfs", "Dockerfile");
        Assert.Equal(Sha256("again-uncached.sqfs"), Sha256("again.sqfs"));
    }

    /// <summary>The first build keeps its image in the entry of the step its tree shares files with, where the
    /// first unchanged rebuild did not look (it kept a second image in its own step's entry, and only the rebuilds
    /// after it copied).</summary>
    [Fact]
    public void The_first_unchanged_rebuild_copies_every_file_from_the_image_the_first_build_kept()
    {
        Recipe("one");
        Build("first.sif", "Dockerfile");
        Assert.Contains(Reusing, Build("again.sif", "Dockerfile").Stderr);
        Build("--no-cache", "uncached.sif", "Dockerfile");
        Assert.Equal(Sha256("uncached.sif"), Sha256("again.sif"));
        Assert.Contains(Reusing, Build("again.sqfs", "--sqfs", "Dockerfile").Stderr);
        Assert.Single(Directory.GetFiles(Path.Combine(work.Dir, "cache"), "squashfs-reuse-*.img",
            SearchOption.AllDirectories));
    }

    /// <summary>-v says why an earlier image's blocks are not copied, in one line naming where it is kept.</summary>
    [Theory]
    [InlineData("index truncated", "index is damaged")]
    [InlineData("index a FIFO", "index is not a regular file")]
    [InlineData("image overwritten", "changed since it was indexed")]
    [InlineData("image a FIFO", "is not a regular file")]
    [InlineData("another level", "index was made by another writer (")]
    public void Verbose_says_why_the_earlier_image_is_not_copied(string damage, string why)
    {
        Recipe("one");
        Build("first.sif", "Dockerfile");
        string kept = Directory.GetFiles(Path.Combine(work.Dir, "cache"), "squashfs-reuse-*.img",
            SearchOption.AllDirectories).Single();
        string damaged = damage.StartsWith("image") ? kept
            : Path.Combine(Path.GetDirectoryName(kept)!, "squashfs-reuse.index");
        if (damage.EndsWith("FIFO"))
        {
            File.Delete(damaged);
            TestEnvironment.RunChecked("mkfifo", "-m", "0666", damaged);
        }
        else if (damage != "another level")
            using (FileStream file = File.Open(damaged, FileMode.Open))
                if (damage.EndsWith("truncated")) file.SetLength(file.Length / 2);
                else file.Write(new byte[4096]);
        Recipe("two");
        string[] level = damage == "another level" ? ["--mksquashfs-args", "-Xcompression-level 4"] : [];
        string said = Build(["-v", .. level, "edited.sif", "Dockerfile"]).Stderr;
        Assert.DoesNotContain(Reusing, said);
        string line = Assert.Single(said.Split('\n'), l => l.Contains("not copying the compressed blocks"));
        Assert.Matches($@"INF not copying the compressed blocks of the earlier image in /.+: its .*{Regex.Escape(why)}",
            line);
        Assert.DoesNotContain("not copying", Build("-F", "edited.sif", "Dockerfile").Stderr); // -v's alone
    }

    [Theory]
    [InlineData("image truncated")]
    [InlineData("image overwritten")]
    [InlineData("index truncated")]
    [InlineData("image a FIFO")] // open(2) waited for a writer, deaf to Ctrl-C (found by a new-user trial)
    [InlineData("index a FIFO")]
    public void A_changed_earlier_image_is_not_read_and_the_next_build_keeps_a_new_one(string damage)
    {
        Recipe("one");
        Build("first.sif", "Dockerfile");
        string kept = Directory.GetFiles(Path.Combine(work.Dir, "cache"), "squashfs-reuse-*.img",
            SearchOption.AllDirectories).Single();
        string index = Path.Combine(Path.GetDirectoryName(kept)!, "squashfs-reuse.index");
        string damaged = damage.StartsWith("image") ? kept : index;
        if (damage.EndsWith("FIFO"))
        {
            File.Delete(damaged);
            TestEnvironment.RunChecked("mkfifo", "-m", "0666", damaged); // not opened here: no writer comes
        }
        else
            using (FileStream file = File.Open(damaged, FileMode.Open))
                if (damage.EndsWith("truncated")) file.SetLength(file.Length / 2);
                else
                {
                    file.Position = file.Length / 2;
                    file.Write(new byte[4096]);
                }
        Recipe("two");
        Assert.DoesNotContain(Reusing, Build("edited.sif", "Dockerfile").Stderr);
        Build("--no-cache", "uncached.sif", "Dockerfile");
        Assert.Equal(Sha256("uncached.sif"), Sha256("edited.sif"));
        Recipe("three");
        Assert.Contains(Reusing, Build("again.sif", "Dockerfile").Stderr);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(kept)!, "squashfs-reuse-*.img"));
    }

    [Fact]
    public void A_cached_steps_state_that_is_a_fifo_is_refused_in_one_line_not_waited_on()
    {
        Recipe("one");
        Build("first.sif", "Dockerfile");
        foreach (string state in Directory.GetFiles(Path.Combine(work.Dir, "cache"), "state.json",
                     SearchOption.AllDirectories))
        {
            File.Delete(state);
            TestEnvironment.RunChecked("mkfifo", "-m", "0666", state);
        }
        CommandResult again = work.Build("again.sif", "Dockerfile");
        Assert.Equal(108, again.ExitCode);
        Assert.Contains("state.json (not a regular file): `hpcrun cache clean --type recipe` removes", again.Stderr);
        Assert.False(File.Exists(Path.Combine(work.Dir, "again.sif")));
    }
}
