using System.Buffers.Binary;
using System.Text;

namespace HpcRun.HostLibraries;

/// <summary>
/// What the dynamic loader reads from a shared library: its soname, the libraries it needs,
/// its run path and the symbol versions it needs from each (GLIBC_2.34 from libc.so.6) or
/// defines. Read from the section headers of a little-endian ELF64 file, without external tools:
/// the dynamic section (System V gABI) and the GNU version sections (SHT_GNU_verneed,
/// SHT_GNU_verdef; Linux Standard Base Core, "Symbol Versioning").
/// </summary>
public sealed record ElfFile(string? Soname, IReadOnlyList<string> Needed, string? RunPath,
    IReadOnlyList<VersionNeed> VersionNeeds, IReadOnlyList<string> VersionDefinitions)
{
    private const uint ShtDynamic = 6, ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe;
    private const long DtNull = 0, DtNeeded = 1, DtSoname = 14, DtRpath = 15, DtRunpath = 29;

    /// <summary>The versions this file needs from <paramref name="library"/>, e.g. all GLIBC_x.y from
    /// libc.so.6.</summary>
    public IEnumerable<string> VersionsNeededFrom(string library) =>
        VersionNeeds.Where(v => v.Library == library).Select(v => v.Version);

    /// <summary>Parses <paramref name="data"/>, the whole file.</summary>
    /// <exception cref="ElfFormatException">Not a little-endian ELF64 file, or a truncated one.</exception>
    public static ElfFile Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 64 || ElfHeader.TryRead(data) is not { } header)
            throw new ElfFormatException("not an ELF file");
        if (!header.Is64Bit || !header.IsLittleEndian)
            throw new ElfFormatException("not a little-endian 64-bit ELF file");
        try { return ParseSections(data); }
        catch (ArgumentOutOfRangeException) { throw new ElfFormatException("truncated ELF file"); }
    }

    /// <summary>The parsed file, or null when it is not a little-endian ELF64 file or is truncated.</summary>
    public static ElfFile? TryParse(ReadOnlySpan<byte> data)
    {
        try { return Parse(data); }
        catch (ElfFormatException) { return null; }
    }

    private static ElfFile ParseSections(ReadOnlySpan<byte> data)
    {
        long shoff = I64(data, 0x28);
        int shentsize = U16(data, 0x3a), shnum = U16(data, 0x3c);
        var sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            int at = checked((int)(shoff + (long)i * shentsize));
            sections[i] = new Section(U32(data, at + 4), I64(data, at + 0x18), I64(data, at + 0x20),
                (int)U32(data, at + 0x28), (int)U32(data, at + 0x2c));
        }
        string? soname = null, runPath = null;
        var needed = new List<string>();
        var needs = new List<VersionNeed>();
        var definitions = new List<string>();
        foreach (Section s in sections)
        {
            if (s.Type == ShtDynamic)
            {
                Section strings = sections[s.Link];
                for (long at = s.Offset; at + 16 <= s.Offset + s.Size; at += 16)
                {
                    long tag = I64(data, (int)at), value = I64(data, (int)at + 8);
                    if (tag == DtNull) break;
                    if (tag is not (DtNeeded or DtSoname or DtRunpath or DtRpath)) continue;
                    string text = CString(data, strings.Offset + value);
                    if (tag == DtNeeded) needed.Add(text);
                    else if (tag == DtSoname) soname = text;
                    else runPath = text;
                }
            }
            else if (s.Type == ShtGnuVerneed) ReadVersionNeeds(data, s, sections[s.Link], needs);
            else if (s.Type == ShtGnuVerdef) ReadVersionDefinitions(data, s, sections[s.Link], definitions);
        }
        return new ElfFile(soname, needed, runPath, needs, definitions);
    }

    /// <summary>Elf64_Verneed entries (one per needed file), each with Elf64_Vernaux entries (one per
    /// version).</summary>
    private static void ReadVersionNeeds(ReadOnlySpan<byte> data, Section s, Section strings, List<VersionNeed> needs)
    {
        long entry = s.Offset;
        for (int i = 0; i < s.Info; i++)
        {
            int count = U16(data, (int)entry + 2);
            string file = CString(data, strings.Offset + U32(data, (int)entry + 4));
            long aux = entry + U32(data, (int)entry + 8);
            for (int j = 0; j < count; j++)
            {
                needs.Add(new VersionNeed(file, CString(data, strings.Offset + U32(data, (int)aux + 8))));
                aux += U32(data, (int)aux + 12);
            }
            uint next = U32(data, (int)entry + 12);
            if (next == 0) break;
            entry += next;
        }
    }

    /// <summary>Elf64_Verdef entries; the first Elf64_Verdaux of each names the version.</summary>
    private static void ReadVersionDefinitions(ReadOnlySpan<byte> data, Section s, Section strings,
        List<string> definitions)
    {
        long entry = s.Offset;
        for (int i = 0; i < s.Info; i++)
        {
            long aux = entry + U32(data, (int)entry + 12);
            definitions.Add(CString(data, strings.Offset + U32(data, (int)aux)));
            uint next = U32(data, (int)entry + 16);
            if (next == 0) break;
            entry += next;
        }
    }

    private readonly record struct Section(uint Type, long Offset, long Size, int Link, int Info);

    private static ushort U16(ReadOnlySpan<byte> d, int at) => BinaryPrimitives.ReadUInt16LittleEndian(d.Slice(at, 2));
    private static uint U32(ReadOnlySpan<byte> d, int at) => BinaryPrimitives.ReadUInt32LittleEndian(d.Slice(at, 4));
    private static long I64(ReadOnlySpan<byte> d, int at) => BinaryPrimitives.ReadInt64LittleEndian(d.Slice(at, 8));

    private static string CString(ReadOnlySpan<byte> d, long at)
    {
        ReadOnlySpan<byte> rest = d[checked((int)at)..];
        int end = rest.IndexOf((byte)0);
        if (end < 0) throw new ElfFormatException("unterminated string");
        return Encoding.UTF8.GetString(rest[..end]);
    }
}

/// <summary>A symbol version a file needs from a library, e.g. (libc.so.6, GLIBC_2.34).</summary>
public sealed record VersionNeed(string Library, string Version);

public sealed class ElfFormatException(string message) : Exception(message);
