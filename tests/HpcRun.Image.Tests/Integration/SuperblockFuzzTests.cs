using System.Diagnostics;
using HpcRun.Image.Tests.Fixtures;
using HpcRun.TestSupport;

namespace HpcRun.Image.Tests.Integration;

/// <summary>
/// Issue 12: the published hpcrun, as the unprivileged test user, on images whose superblock has each field
/// mutated (<see cref="SuperblockMutations"/>: about a hundred mutations an image), plain and as a SIF's
/// partition. Every launch must end, with status 0 and the file it printed (the mutation was harmless) or with
/// 65 and one line, and leave no FUSE server, mount or scratch directory behind. The 65 must come from the
/// checks before mounting, not from the serving thread's crash guard (Native/early.c): a superblock that
/// crashes libsquashfuse has a field the checks let through.
/// </summary>
[Collection(Alone)]
public sealed class SuperblockFuzzTests : IDisposable
{
    /// <summary>Run after the other classes, not beside them: its leak check counts every hpcrun this test process
    /// started, and BuildCommandTests' builds, started meanwhile, were counted as this test's leak.</summary>
    public const string Alone = "superblock fuzz, alone";

    /// <summary>A launch takes about 40 ms: only a hang lasts this long (a serving thread that crashed while
    /// hpcrun's main thread waited on the mount).</summary>
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(20);
    private const string Printed = "small file 1\n"; // /data/f1 in the samples, read from a fragment

    private readonly SharedDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Each_mutated_superblock_ends_the_launch_with_0_or_65_and_one_line()
    {
        List<string> failures = [];
        int ran = 0, refused = 0;
        (string, long)[] images = [(SquashFsSamples.SquashFs, 0), (SquashFsSamples.Sif, SquashFsSamples.SifOffset)];
        foreach (var (image, offset) in images)
        {
            byte[] bytes = File.ReadAllBytes(image);
            string name = Path.GetFileName(image), mutant = dir.File(name);
            foreach (SuperblockMutation mutation in SuperblockMutations.For(bytes, offset))
            {
                File.WriteAllBytes(mutant, mutation.AppliedTo(bytes, offset));
                var (status, stdout, stderr) = Launch(mutant);
                if (status == 0 && stdout == Printed) ran++;
                else if (status == 65 && stdout == "" && OneLine(stderr) && !stderr.Contains("crashed")) refused++;
                else failures.Add($"{name} {mutation}: {status?.ToString() ?? "hung"} {stdout}{stderr}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} launches failed:\n{string.Join('\n', failures)}");
        Assert.True(ran > 0 && refused > 0, $"{ran} ran, {refused} refused: both outcomes exercised");
        LeakCheck.AssertNothingLeft();
    }

    private static bool OneLine(string text) => text.TrimEnd().Split('\n').Length == 1;

    /// <summary>Runs `hpcrun IMAGE cat /data/f1`; a status of null: it hung, and was freed and killed.</summary>
    private static (int? Status, string Stdout, string Stderr) Launch(string image)
    {
        using Process process = Hpcrun.Start([image, "/bin/cat", "/data/f1"]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (process.WaitForExit(Hang)) return (process.ExitCode, stdout.Result, stderr.Result);
        int aborted = LeakCheck.AbortFuseConnections(process.Id);
        process.Kill(entireProcessTree: true);
        string after = process.WaitForExit(Hang) ? "then killed" : "still stuck";
        return (null, "", $"({aborted} FUSE connection(s) aborted to free it, {after})");
    }
}

[CollectionDefinition(SuperblockFuzzTests.Alone, DisableParallelization = true)]
public sealed class SuperblockFuzzCollection;
