using System.Collections;
using System.CommandLine;
using System.Text.Json;
using HpcRun.CommandLine;
using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Launch;
using HpcRun.Tools.Verbs.Image;

namespace HpcRun.Tools.Verbs.Bench;

/// <summary>
/// `hpcrun bench IMAGE [--rounds N] [--json] [--only LIST] [--tree DIR]`: interleaved native and containerized
/// rounds of what the host and the image both have (start-up, the read path, MPI ping-pong, hpcc), compared
/// as medians and paired ratios with their spread (README "How to read `hpcrun bench`"). The containerized
/// rounds run the hpcrun binary that handed this verb over (the one beside hpcrun-tools).
/// </summary>
internal static class BenchVerb
{
    public const int DefaultRounds = 7;

    /// <summary>A spread needs rounds: the interquartile range of fewer than three ratios says nothing.</summary>
    public const int MinimumRounds = 3;

    private static readonly string[] Names = ["startup", "read", "mpi", "hpcc"];

    public static Command Create()
    {
        var image = new Argument<string>("image")
        { Description = "SIF or SquashFS file, or a directory; docker://REF: its SIF in the image cache" };
        var rounds = new Option<int>("--rounds")
        {
            Description = $"Interleaved rounds of each benchmark (at least {MinimumRounds})",
            DefaultValueFactory = _ => DefaultRounds,
        };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var only = new Option<string?>("--only")
        {
            Description = $"Run only these benchmarks, a comma list of: {string.Join(", ", Names)}",
        };
        var tree = new Option<string>("--tree")
        {
            Description = "The directory the read benchmark reads, in the image (and in a copy of it natively)",
            DefaultValueFactory = _ => "/usr",
        };
        var command = new Command(ToolVerbs.Bench.Name, ToolVerbs.Bench.Description)
        {
            image, rounds, json, only, tree,
        };
        command.SetAction(result => Run(result.GetValue(image)!, result.GetValue(rounds), result.GetValue(json),
            Selected(result.GetValue(only)), result.GetValue(tree)!));
        return command;
    }

    private static int Run(string imagePath, int rounds, bool json, string[] selected, string tree)
    {
        if (rounds < MinimumRounds)
            throw new HpcRunException(ExitCode.Usage, $"--rounds {rounds}: give at least {MinimumRounds}");
        if (!tree.StartsWith('/') || tree.Split('/').Contains(".."))
            throw new HpcRunException(ExitCode.Usage, $"--tree {tree}: give an absolute path inside the image");
        // A docker:// reference is benched as its cached SIF, which every round runs (a launch of it would check
        // the tag at each start, and pull a new image when the tag moved): the image against the node, not the
        // registry. One the cache lacks is 109, with the pull that caches it.
        string path = ImageVerbs.LocalImage(imagePath);
        // Refused as a launch refuses it (an archive, another CPU's SIF), once, before any benchmark runs it.
        ImageSource probed = ImageArgument.Probe(path);
        ImageArchitecture.Check(probed, HostPlatform.Architecture);
        ImageSource source = probed with { Path = Path.GetFullPath(path) }; // for the launches it starts
        string hpcrun = Path.Combine(AppContext.BaseDirectory, "hpcrun");
        if (!File.Exists(hpcrun))
            throw new HpcRunException(ExitCode.MissingTool, $"{hpcrun} not found: hpcrun-tools runs beside hpcrun");

        using var signals = new BuildSignals();
        MpiLauncher? launcher = MpiLauncher.Find(Environment(), out string? noLauncher);
        using var local = new ScratchDirectory(shared: false);
        using var shared = new ScratchDirectory(shared: launcher?.InAllocation ?? false);
        var context = new BenchContext(source, hpcrun, new CommandRunner(signals.Token), launcher, noLauncher, local,
            shared);
        Benchmark[] benchmarks = [.. selected.Select(name => Create(name, context, tree))];
        try
        {
            // Progress on a terminal only: in a script, the output (or one line and the status) says it all.
            var (rows, skipped) = BenchRunner.Run(benchmarks, rounds,
                Console.IsErrorRedirected ? TextWriter.Null : Console.Error);
            if (rows.Count == 0)
                throw new HpcRunException(ExitCode.BenchNothingComparable, $"bench: nothing comparable to run with "
                    + $"{source.Path}: {string.Join("; ", skipped.Select(s => $"{s.Benchmark}: {s.Reason}"))}");
            var report = new BenchReport(source.Path, hpcrun, launcher?.Description, rounds, Machine.This(),
                DateTimeOffset.UtcNow, rows, skipped);
            if (json) Console.WriteLine(JsonSerializer.Serialize(report, BenchReportJson.Default.BenchReport));
            else BenchTable.Write(report, Console.Out, terminal: !Console.IsOutputRedirected);
            return 0;
        }
        catch (RoundFailedException e)
        {
            throw new HpcRunException(ExitCode.BenchRoundFailed, $"bench: {e.Message}");
        }
        catch (OperationCanceledException) when (signals.Signal != 0)
        {
            return SignalDeath.Record(signals.Signal); // ends by it once cleaned up as the usings end (Program.cs)
        }
        finally
        {
            foreach (Benchmark benchmark in benchmarks) benchmark.Dispose();
        }
    }

    private static Benchmark Create(string name, BenchContext context, string tree) => name switch
    {
        "startup" => new StartupBenchmark(context),
        "read" => new ReadBenchmark(context, tree),
        "mpi" => new PingPongBenchmark(context),
        _ => new HpccBenchmark(context),
    };

    /// <summary>The benchmarks --only names, in their usual order; all of them without it.</summary>
    private static string[] Selected(string? only)
    {
        if (only is null) return Names;
        string[] asked = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? unknown = asked.FirstOrDefault(name => !Names.Contains(name));
        if (asked.Length == 0 || unknown is not null)
            throw new HpcRunException(ExitCode.Usage,
                $"--only {only}: {(asked.Length == 0 ? "names no benchmark" : $"no benchmark {unknown}")} "
                + $"(give some of {string.Join(", ", Names)})");
        return [.. Names.Where(asked.Contains)];
    }

    private static Dictionary<string, string?> Environment() =>
        System.Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
}
