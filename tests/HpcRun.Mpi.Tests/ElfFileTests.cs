using HpcRun.Mpi.Elf;

namespace HpcRun.Mpi.Tests;

public class ElfFileTests
{
    private static ElfFile Read(RootedFiles root, string path) => ElfFile.Parse(root.Read(root.Canonical(path)!)!);

    [Fact]
    public void ReadsSonameNeededLibrariesAndGlibcVersionNeeds()
    {
        ElfFile mpich = Read(Fixtures.MpichHost, "/lib/libmpich.so.12");
        Assert.Equal("libmpich.so.12", mpich.Soname);
        Assert.Contains("libdep.so.1", mpich.Needed);
        Assert.Contains("libc.so.6", mpich.Needed);
        Assert.Contains("GLIBC_2.36", mpich.VersionsNeededFrom("libc.so.6"));
    }

    [Fact]
    public void ReadsVersionDefinitionsOfALibc()
    {
        ElfFile libc = Read(Fixtures.MpichImage, "/lib/libc.so.6");
        Assert.Equal("libc.so.6", libc.Soname);
        Assert.Equal(new GlibcVersion(2, 40), GlibcVersion.Max(libc.VersionDefinitions));
    }

    [Fact]
    public void ReadsTheHostsRealLibraries()
    {
        ElfFile libc = ElfFile.Parse(File.ReadAllBytes("/lib/x86_64-linux-gnu/libc.so.6"));
        Assert.Contains("GLIBC_2.36", libc.VersionDefinitions);
        ElfFile mpich = ElfFile.Parse(File.ReadAllBytes(HostLibraryFiles.Instance.Canonical("/lib/x86_64-linux-gnu/libmpich.so.12")!));
        Assert.Equal("libmpich.so.12", mpich.Soname);
        Assert.Contains("libucp.so.0", mpich.Needed);
    }

    [Fact]
    public void RejectsWhatIsNotAnElfFile() =>
        Assert.Throws<ElfFormatException>(() => ElfFile.Parse("#!/bin/sh\necho this is a script, not a library\n"u8.ToArray().Concat(new byte[64]).ToArray()));

    [Fact]
    public void RejectsATruncatedFile()
    {
        byte[] whole = Fixtures.MpichHost.Read(Fixtures.MpichHost.Canonical("/lib/libmpich.so.12")!)!;
        Assert.Throws<ElfFormatException>(() => ElfFile.Parse(whole.AsSpan(0, 4096)));
    }
}
