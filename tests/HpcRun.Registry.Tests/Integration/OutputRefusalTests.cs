using HpcRun.TestSupport;

namespace HpcRun.Registry.Tests.Integration;

/// <summary>An OUT that build or pull cannot write is refused with status 80 and the same line, whatever the verb,
/// the source (a directory, an archive, an OCI layout, a SquashFS, a SIF, a recipe, a registry's reference), --sqfs or
/// --force, and the directory is left as it was (README, "Exit status", 80).</summary>
[Collection(RegistryCollection.Name)]
public sealed class OutputRefusalTests(RegistryFixture registry) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("out-refusal-").FullName;

    public void Dispose() => TestEnvironment.RunChecked("rm", "-rf", dir);

    /// <summary>Each way to write an OUT: build from each kind of source, and pull.</summary>
    public static readonly string[] Sources =
        ["directory", "docker-archive", "oci-layout", "squashfs", "sif", "recipe", "docker://", "pull"];

    /// <summary>OUT as each case makes it, the options given, and why it is refused.</summary>
    public static readonly (string Case, string Out, string[] Options, string Why)[] Cases =
    [
        ("exists", "x.sif", [], "it exists; give --force to overwrite it"),
        ("directory", "x.sif", ["--force"], "it is a directory"),
        ("missing directory", "missing/x.sif", [], "its directory {dir}/missing does not exist"),
        ("not a directory", "file/x.sif", [], "{dir}/file is not a directory"),
        ("unwritable directory", "ro/x.sif", ["--force"], "permission denied in its directory"),
        ("exists, a bare SquashFS", "x.sqfs", [], "it exists; give --force to overwrite it"),
    ];

    public static TheoryData<string, string> Combinations()
    {
        var rows = new TheoryData<string, string>();
        foreach (string source in Sources)
            foreach (var (name, output, _, _) in Cases)
                // An image file is copied into a SIF, never into a bare SquashFS (64, OutputFormat).
                if (!(output.EndsWith(".sqfs") && source is "squashfs" or "sif")) rows.Add(source, name);
        return rows;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void An_out_that_cannot_be_written_is_80_in_one_line_alike_for_every_source_and_verb(string source,
        string name)
    {
        var (_, output, options, why) = Cases.Single(c => c.Case == name);
        string from = Source(source), target = Path.Combine(dir, output);
        File.WriteAllText(Path.Combine(dir, "file"), "a file");
        Directory.CreateDirectory(Path.Combine(dir, "ro"));
        if (name == "directory") Directory.CreateDirectory(target);
        if (name.StartsWith("exists")) File.WriteAllText(target, "mine");
        TestEnvironment.RunChecked("chmod", "-R", "a+rwX", dir);
        TestEnvironment.RunChecked("chmod", "0555", Path.Combine(dir, "ro")); // root's: the test user cannot write
        string[] before = Entries();

        string verb = source == "pull" ? "pull" : "build";
        var run = Hpcrun.Run([verb, .. options, target, from], new Dictionary<string, string>
        { ["HPCRUN_INSECURE"] = "1" });

        Assert.True(run.ExitCode == 80, run.ToString());
        Assert.Equal($"hpcrun: cannot write {target}: {why.Replace("{dir}", dir)}", Assert.Single(
            run.Stderr.Trim().Split('\n'), l => !l.EndsWith("...") && !l.EndsWith("done")));
        Assert.Equal(before, Entries());
        if (name.StartsWith("exists")) Assert.Equal("mine", File.ReadAllText(target));
    }

    /// <summary>What the build or pull reads for <paramref name="source"/>; a SIF and a recipe made in the test's
    /// directory.</summary>
    private string Source(string source)
    {
        switch (source)
        {
            case "sif":
                string sif = Path.Combine(dir, "source.sif");
                TestEnvironment.RunChecked("chmod", "a+rwx", dir);
                var build = Hpcrun.Run("build", sif, TestImages.BusyboxSquashFs);
                Assert.True(build.ExitCode == 0, build.ToString());
                return sif;
            case "recipe":
                string recipe = Path.Combine(dir, "image.def");
                File.WriteAllText(recipe, $"Bootstrap: localimage\nFrom: {TestImages.BusyboxSquashFs}\n");
                return recipe;
            default:
                return source switch
                {
                    "directory" => TestImages.BusyboxTree,
                    "docker-archive" => Path.Combine(TestImages.BusyboxArchives, "docker.tar"),
                    "oci-layout" => Path.Combine(TestImages.BusyboxArchives, "layout"),
                    "squashfs" => TestImages.BusyboxSquashFs,
                    _ => registry.PlainRef("test/app:1"),
                };
        }
    }

    /// <summary>Everything in the test's directory, below it too: a refused OUT leaves nothing (no scratch
    /// directory).</summary>
    private string[] Entries() =>
        [.. Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
}
