using System.Text.RegularExpressions;
using HpcRun.TestSupport;

namespace HpcRun.Mpi.Tests.Integration;

/// <summary>What ring.c reports, checked.</summary>
internal static partial class Ring
{
    [GeneratedRegex(@"^rank (\d+) of (\d+) token (\d+) lib (\S+) big (\S+) ns (\S+)$", RegexOptions.Multiline)]
    private static partial Regex Line();

    /// <summary>Every rank passed the token, loaded <paramref name="library"/> and got the 4 MiB message
    /// intact; ranks on one node shared a user namespace exactly when <paramref name="sharedContainer"/>.</summary>
    /// <param name="nodes">How many nodes the ranks ran on: ranks on different nodes never share.</param>
    public static void AssertRan(CommandResult result, string library, bool sharedContainer, int size = 2,
        int nodes = 1)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        var ranks = Line().Matches(result.Stdout).Select(m => m.Groups).ToList();
        Assert.True(ranks.Count == size, result.ToString());
        Assert.Equal(Enumerable.Range(0, size).Select(r => r.ToString()), ranks.Select(g => g[1].Value).Order());
        Assert.All(ranks, g =>
        {
            int rank = int.Parse(g[1].Value);
            Assert.Equal(size.ToString(), g[2].Value);
            Assert.Equal((rank == 0 ? size : rank + 1).ToString(), g[3].Value); // the token counts the ranks it passed
            Assert.Equal(library, g[4].Value);
            Assert.Contains(g[5].Value, new[] { "ok", "skipped" });
        });
        Assert.DoesNotContain("CMA", result.Stdout + result.Stderr);
        int namespaces = ranks.Select(g => g[6].Value).Distinct().Count();
        Assert.Equal(sharedContainer ? nodes : size, namespaces);
    }
}
