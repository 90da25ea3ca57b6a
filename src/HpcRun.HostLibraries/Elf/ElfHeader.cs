using System.Buffers.Binary;

namespace HpcRun.HostLibraries;

/// <summary>
/// The start of any ELF file, 32- or 64-bit, of either byte order: e_ident's class and data
/// bytes and e_machine (System V gABI, "ELF Header"), enough to tell which CPU a program is for.
/// </summary>
/// <param name="Class">EI_CLASS: 1 for ELFCLASS32, 2 for ELFCLASS64.</param>
/// <param name="Data">EI_DATA: 1 for little-endian (ELFDATA2LSB), 2 for big-endian (ELFDATA2MSB).</param>
/// <param name="Machine">e_machine, e.g. 62 (EM_X86_64) or 183 (EM_AARCH64).</param>
public readonly record struct ElfHeader(byte Class, byte Data, ushort Machine)
{
    /// <summary>Bytes <see cref="TryRead"/> needs: e_ident (16), e_type (2) and e_machine (2).</summary>
    public const int Size = 20;

    /// <summary>e_machine values and the names `uname -m` gives them.</summary>
    private static readonly Dictionary<ushort, string> Machines = new()
    {
        [3] = "x86",
        [40] = "arm",
        [62] = "x86_64",
        [183] = "aarch64",
        [21] = "ppc64",
        [22] = "s390x",
        [243] = "riscv64",
    };

    public bool Is64Bit => Class == 2;
    public bool IsLittleEndian => Data == 1;

    /// <summary>"x86_64", "aarch64"...; "ELF machine N" for a machine without a name here.</summary>
    public string MachineName => Machines.GetValueOrDefault(Machine, $"ELF machine {Machine}");

    /// <summary>The architecture as OCI platforms and SIF headers name it ("amd64", "arm64"...); null for a machine
    /// without a name here.</summary>
    public string? OciArchitecture => Machine switch
    {
        62 => "amd64",
        183 => "arm64",
        3 => "386",
        40 => "arm",
        21 => IsLittleEndian ? "ppc64le" : "ppc64",
        22 => "s390x",
        243 => "riscv64",
        _ => null,
    };

    /// <summary>Reads the first <see cref="Size"/> bytes of <paramref name="data"/>; null when they are
    /// fewer or do not start with the ELF magic. e_machine is read big-endian only when EI_DATA says so.</summary>
    public static ElfHeader? TryRead(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size || !data[..4].SequenceEqual("\u007fELF"u8)) return null;
        ReadOnlySpan<byte> machine = data.Slice(18, 2);
        return new ElfHeader(data[4], data[5], data[5] == 2
            ? BinaryPrimitives.ReadUInt16BigEndian(machine) : BinaryPrimitives.ReadUInt16LittleEndian(machine));
    }
}
