namespace HpcRun.HostLibraries.Tests;

public class ElfFileTests
{
    private static ElfFile Read(RootedFiles root, string path) => ElfFile.Parse(root.Read(root.Canonical(path)!)!);

    [Fact]
    public void ReadsSonameNeededLibrariesAndGlibcVersionNeeds()
    {
        ElfFile app = Read(Fixtures.Image, "/lib/libapp.so.2");
        Assert.Equal("libapp.so.2", app.Soname);
        Assert.Contains("libdep.so.1", app.Needed);
        Assert.Contains("libc.so.6", app.Needed);
        Assert.Contains("GLIBC_2.36", app.VersionsNeededFrom("libc.so.6"));
    }

    [Fact]
    public void ReadsVersionDefinitionsOfALibc()
    {
        ElfFile libc = Read(Fixtures.Image, "/lib/libc.so.6");
        Assert.Equal("libc.so.6", libc.Soname);
        Assert.Equal(new GlibcVersion(2, 40), GlibcVersion.Max(libc.VersionDefinitions));
    }

    [Fact]
    public void ReadsTheHostsRealLibraries()
    {
        ElfFile libc = ElfFile.Parse(File.ReadAllBytes("/lib/x86_64-linux-gnu/libc.so.6"));
        Assert.Contains("GLIBC_2.36", libc.VersionDefinitions);
        ElfFile mpich = ElfFile.Parse(
            File.ReadAllBytes(HostLibraryFiles.Instance.Canonical("/lib/x86_64-linux-gnu/libmpich.so.12")!));
        Assert.Equal("libmpich.so.12", mpich.Soname);
        Assert.Contains("libucp.so.0", mpich.Needed);
    }

    [Fact]
    public void AMappedHostLibraryReadsAsTheWholeFileDoes()
    {
        const string libc = "/lib/x86_64-linux-gnu/libc.so.6";
        ElfFile mapped = HostLibraryFiles.ReadElf(libc)!;
        ElfFile read = ElfFile.Parse(File.ReadAllBytes(libc));
        Assert.Equal(read.Soname, mapped.Soname);
        Assert.Equal(read.VersionDefinitions, mapped.VersionDefinitions);
        Assert.Equal(read.VersionNeeds, mapped.VersionNeeds);
        Assert.Null(HostLibraryFiles.ReadElf("/dev/null"));     // empty: nothing to map
        Assert.Null(HostLibraryFiles.ReadElf("/etc/hostname")); // not ELF
        Assert.Null(HostLibraryFiles.ReadElf("/nonexistent/libcuda.so.1"));
    }

    [Fact]
    public void RejectsWhatIsNotAnElfFile()
    {
        byte[] script = [.. "#!/bin/sh\necho this is a script, not a library\n"u8, .. new byte[64]];
        Assert.Throws<ElfFormatException>(() => ElfFile.Parse(script));
        Assert.Null(ElfFile.TryParse(script));
    }

    [Fact]
    public void RejectsATruncatedFile()
    {
        byte[] whole = Fixtures.Image.Read(Fixtures.Image.Canonical("/lib/libapp.so.2")!)!;
        Assert.Throws<ElfFormatException>(() => ElfFile.Parse(whole.AsSpan(0, 4096)));
    }

    [Fact]
    public void RejectsA32BitFile()
    {
        byte[] header = [.. File.ReadAllBytes("/lib/x86_64-linux-gnu/libc.so.6").AsSpan(0, 64)];
        header[4] = 1;  // ELFCLASS32
        Assert.Equal("not a little-endian 64-bit ELF file",
            Assert.Throws<ElfFormatException>(() => ElfFile.Parse(header)).Message);
    }

    [Fact]
    public void TheHeaderTellsTheMachineOfEitherByteOrder()
    {
        ElfHeader libc = ElfHeader.TryRead(File.ReadAllBytes("/lib/x86_64-linux-gnu/libc.so.6"))!.Value;
        Assert.Equal((true, true, "x86_64"), (libc.Is64Bit, libc.IsLittleEndian, libc.MachineName));
        // An s390x program: ELFCLASS64, ELFDATA2MSB, e_machine 22 (EM_S390) big-endian.
        byte[] s390x = [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 22];
        Assert.Equal("s390x", ElfHeader.TryRead(s390x)!.Value.MachineName);
        s390x[19] = 99;
        Assert.Equal("ELF machine 99", ElfHeader.TryRead(s390x)!.Value.MachineName);
        Assert.Null(ElfHeader.TryRead(s390x.AsSpan(0, ElfHeader.Size - 1)));
        Assert.Null(ElfHeader.TryRead("#!/bin/sh\nexit 0\n....."u8));
    }
}
