using HpcRun.Tools.Verbs.Bench;

namespace HpcRun.Tests.Bench;

/// <summary>The numbers `hpcrun bench` prints, against values worked out by hand.</summary>
public class BenchStatisticsTests
{
    private static readonly Measure Time = new("start /bin/true", "ms", HigherIsBetter: false);
    private static readonly Measure Rate = new("bandwidth", "GB/s", HigherIsBetter: true);

    [Theory]
    [InlineData(new[] { 3.0, 1, 2 }, 2.0)]
    [InlineData(new[] { 4.0, 1, 3, 2 }, 2.5)]
    [InlineData(new[] { 7.0 }, 7.0)]
    public void MedianIsTheMiddleValueOrTheMeanOfTheTwoMiddleOnes(double[] values, double median) =>
        Assert.Equal(median, BenchStatistics.Median(values), 12);

    [Theory]
    // sorted 1 2 3 4 5: positions 0.25 * 4 = 1 and 0.75 * 4 = 3
    [InlineData(new[] { 5.0, 1, 4, 2, 3 }, 0.25, 2.0)]
    [InlineData(new[] { 5.0, 1, 4, 2, 3 }, 0.75, 4.0)]
    // sorted 1 2 3 4: position 0.75 -> 1 + 0.75 * (2 - 1); position 2.25 -> 3 + 0.25 * (4 - 3)
    [InlineData(new[] { 4.0, 3, 2, 1 }, 0.25, 1.75)]
    [InlineData(new[] { 4.0, 3, 2, 1 }, 0.75, 3.25)]
    [InlineData(new[] { 4.0, 3, 2, 1 }, 0.0, 1.0)]
    [InlineData(new[] { 4.0, 3, 2, 1 }, 1.0, 4.0)]
    public void QuantilesInterpolateBetweenOrderStatistics(double[] values, double q, double expected) =>
        Assert.Equal(expected, BenchStatistics.Quantile(values, q), 12);

    [Fact]
    public void QuantileOfNothingOrOutside0To1IsRefused()
    {
        Assert.Throws<ArgumentException>(() => BenchStatistics.Quantile([], 0.5));
        Assert.Throws<ArgumentException>(() => BenchStatistics.Quantile([1.0], 1.5));
    }

    [Fact]
    public void RatiosArePairedRoundByRoundNotTakenBetweenMedians()
    {
        // rounds' ratios: 3/2 = 1.5, 4/4 = 1, 10/5 = 2 -> sorted 1, 1.5, 2: median 1.5, Q1 1.25, Q3 1.75
        Comparison row = Comparison.Of("startup", Time, [2.0, 4, 5], [3.0, 4, 10]);
        Assert.Equal(4.0, row.Native, 12);
        Assert.Equal(4.0, row.Hpcrun, 12); // medians alike, yet every round but one was slower inside
        Assert.Equal(1.5, row.Ratio, 12);
        Assert.Equal(1.25, row.RatioLow, 12);
        Assert.Equal(1.75, row.RatioHigh, 12);
        Assert.Equal(3, row.Rounds);
        Assert.Equal(Verdict.HpcrunSlower, row.Verdict);
    }

    [Fact]
    public void ASpreadThatIncludesOneIsWithinNoise()
    {
        // ratios 0.9, 1.05, 1.2, 0.95: sorted 0.9 0.95 1.05 1.2 -> Q1 0.9375, Q3 1.0875
        Comparison row = Comparison.Of("read", Time, [10.0, 20, 5, 20], [9.0, 21, 6, 19]);
        Assert.Equal(0.9375, row.RatioLow, 12);
        Assert.Equal(1.0875, row.RatioHigh, 12);
        Assert.Equal(1.0, row.Ratio, 12);
        Assert.Equal(Verdict.WithinNoise, row.Verdict);
    }

    [Fact]
    public void ForARateAHigherRatioIsFaster()
    {
        // bandwidth 8 vs 9, 8 vs 10, 10 vs 11: ratios 1.125, 1.25, 1.1 -> all above 1
        Comparison row = Comparison.Of("mpi", Rate, [8.0, 8, 10], [9.0, 10, 11]);
        Assert.Equal(1.125, row.Ratio, 12);
        Assert.Equal(Verdict.HpcrunFaster, row.Verdict);
        Assert.Equal(Verdict.HpcrunSlower, Comparison.Of("mpi", Rate, [9.0, 10, 11], [8.0, 8, 10]).Verdict);
        Assert.Equal(Verdict.HpcrunFaster, Comparison.Of("startup", Time, [9.0, 10, 11], [8.0, 8, 10]).Verdict);
    }

    [Fact]
    public void UnpairedOrNonPositiveRoundsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => Comparison.Of("x", Time, [1.0, 2], [1.0]));
        Assert.Throws<ArgumentException>(() => Comparison.Of("x", Time, [], []));
        Assert.Throws<ArgumentException>(() => Comparison.Of("x", Time, [1.0, 0], [1.0, 1]));
        Assert.Throws<ArgumentException>(() => Comparison.Of("x", Time, [1.0, double.NaN], [1.0, 1]));
    }

    [Fact]
    public void ARowShowsMediansWithUnitsTheRatioItsSpreadAndTheVerdict()
    {
        Comparison row = Comparison.Of("startup", Time, [2.0, 4, 5], [3.0, 4, 10]);
        Assert.Equal(["start /bin/true", "4.00 ms", "4.00 ms", "1.500", "1.250-1.750", "3", "hpcrun slower"],
            BenchTable.Cells(row));
    }

    [Theory]
    [InlineData(1234.6, "1235")]
    [InlineData(36.95, "37.0")] // three significant digits
    [InlineData(1.6, "1.60")]
    [InlineData(0.01407, "0.0141")]
    public void NumbersKeepThreeSignificantDigits(double value, string shown) =>
        Assert.Equal(shown, BenchTable.Number(value));
}
