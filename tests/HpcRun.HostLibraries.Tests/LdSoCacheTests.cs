using HpcRun.TestSupport;

namespace HpcRun.HostLibraries.Tests;

public class LdSoCacheTests
{
    [Fact]
    public void ReadsTheSameEntriesAsLdconfig()
    {
        var entries = LdSoCache.Parse(File.ReadAllBytes(LdSoCache.DefaultPath), LdSoCache.NativeFlags);
        // ldconfig -p: "\tlibmpich.so.12 (libc6,x86-64) => /lib/x86_64-linux-gnu/libmpich.so.12"
        var expected = TestEnvironment.RunChecked("ldconfig", "-p").Split('\n')
            .Where(l => l.Contains("(libc6,x86-64") && l.Contains(" => "))
            .Select(l => KeyValuePair.Create(l.Trim().Split(' ')[0], l.Split(" => ")[1].Trim()));
        Assert.Equal(expected, entries);
    }

    [Fact]
    public void ReadsACacheLdconfigWroteForAnotherRoot() =>
        Assert.Contains(KeyValuePair.Create("libapp.so.2", "/lib/libapp.so.2"),
            LdSoCache.Parse(Fixtures.Image.Read(LdSoCache.DefaultPath)!, LdSoCache.NativeFlags));

    [Fact]
    public void RejectsWhatIsNotACache() =>
        Assert.Throws<FormatException>(() =>
            LdSoCache.Parse("glibc-ld.so.cache1.0 and then nothing useful"u8, LdSoCache.NativeFlags));
}
