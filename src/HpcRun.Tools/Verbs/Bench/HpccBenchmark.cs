using System.Globalization;

namespace HpcRun.Tools.Verbs.Bench;

/// <summary>
/// hpcc (the HPC Challenge suite) when the host and the image both have it: the host's hpcc natively, the
/// image's inside it, two ranks (<see cref="MpiLauncher"/>) on one input, a small problem (N=<see cref="N"/>,
/// NB=128, a 1 x 2 process grid) so that a round takes seconds. A round is one run; hpcc writes its results
/// to hpccoutf.txt, whence HPL, STREAM Triad (per rank) and MPI RandomAccess are read.
/// </summary>
internal sealed class HpccBenchmark(BenchContext context) : Benchmark(context)
{
    public const int N = 2000;

    private static readonly (string Key, double Scale)[] Results =
        [("HPL_Tflops", 1000), ("StarSTREAM_Triad", 1), ("MPIRandomAccess_GUPs", 1)];

    public override string Name => "hpcc";

    public override IReadOnlyList<Measure> Measures { get; } =
    [
        new($"hpcc HPL, N={N}", "Gflop/s", HigherIsBetter: true),
        new("hpcc STREAM Triad, per rank", "GB/s", HigherIsBetter: true),
        new("hpcc MPI RandomAccess", "GUP/s", HigherIsBetter: true),
    ];

    public override string? Prepare()
    {
        if (Context.Launcher is not { } launcher) return Context.NoLauncher;
        if (CommandRunner.OnPath("hpcc") is null) return "no hpcc on the host's PATH";
        CommandRun found = Context.Commands.Run(Context.Inside("/bin/sh", "-c", "command -v hpcc"));
        if (!found.Succeeded) return $"the image has no hpcc on its PATH: {found.Failure}";
        File.WriteAllText(Path.Combine(Context.Shared.Path, "hpccinf.txt"), Input(N, MpiLauncher.Ranks));
        if (Run(Side.Native) is { Succeeded: false } native)
            return $"hpcc does not run natively under {launcher.Description}: {native.Failure}";
        return Run(Side.Hpcrun) is { Succeeded: false } inside ? $"hpcc does not run in the image: {inside.Failure}"
            : null;
    }

    public override double[] Round(Side side)
    {
        CommandRun run = Run(side);
        if (!run.Succeeded) throw new RoundFailedException(run.Failure);
        string output = Path.Combine(Context.Shared.Path, "hpccoutf.txt");
        string[] lines = File.Exists(output) ? File.ReadAllLines(output) : [];
        return [.. Results.Select(result => Value(lines, result.Key) * result.Scale)];
    }

    private CommandRun Run(Side side)
    {
        File.Delete(Path.Combine(Context.Shared.Path, "hpccoutf.txt"));
        return Context.Commands.Run(
            Context.Launcher!.Launch(side == Side.Native ? ["hpcc"] : Context.Inside("hpcc")), Context.Shared.Path);
    }

    private static double Value(string[] lines, string key)
    {
        string prefix = key + "=";
        string? found = lines.FirstOrDefault(line => line.StartsWith(prefix, StringComparison.Ordinal));
        string? text = found?[prefix.Length..];
        return double.TryParse(text, CultureInfo.InvariantCulture, out double value) && value > 0 ? value
            : throw new RoundFailedException($"hpcc wrote no positive {key} to hpccoutf.txt");
    }

    /// <summary>hpccinf.txt: HPL's input format (HPL.dat, as hpcc's _hpccinf.txt example lays it out), one
    /// problem of size <paramref name="n"/> on a 1 x <paramref name="columns"/> grid, PTRANS with no extra
    /// sizes.</summary>
    internal static string Input(int n, int columns) => $"""
        HPLinpack benchmark input file
        Innovative Computing Laboratory, University of Tennessee
        HPL.out      output file name (if any)
        8            device out (6=stdout,7=stderr,file)
        1            # of problems sizes (N)
        {n}         Ns
        1            # of NBs
        128          NBs
        0            PMAP process mapping (0=Row-,1=Column-major)
        1            # of process grids (P x Q)
        1            Ps
        {columns}            Qs
        16.0         threshold
        1            # of panel fact
        2            PFACTs (0=left, 1=Crout, 2=Right)
        1            # of recursive stopping criterium
        4            NBMINs (>= 1)
        1            # of panels in recursion
        2            NDIVs
        1            # of recursive panel fact.
        1            RFACTs (0=left, 1=Crout, 2=Right)
        1            # of broadcast
        1            BCASTs (0=1rg,1=1rM,2=2rg,3=2rM,4=Lng,5=LnM)
        1            # of lookahead depth
        1            DEPTHs (>=0)
        2            SWAP (0=bin-exch,1=long,2=mix)
        64           swapping threshold
        0            L1 in (0=transposed,1=no-transposed) form
        0            U  in (0=transposed,1=no-transposed) form
        1            Equilibration (0=no,1=yes)
        8            memory alignment in double (> 0)
        ##### This line (no. 32) is ignored (it serves as a separator). ######
        0                               Number of additional problem sizes for PTRANS
        1200 10000 30000                values of N
        0                               number of additional blocking sizes for PTRANS
        40 9 8 13 13 20 16 32 64        values of NB

        """;
}
