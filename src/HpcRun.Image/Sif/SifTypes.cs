namespace HpcRun.Image.Sif;

/// <summary>What a SIF data object holds (descriptor DataType).</summary>
public enum SifDataType
{
    Deffile = 0x4001, EnvVar = 0x4002, Labels = 0x4003, Partition = 0x4004, Signature = 0x4005,
    GenericJson = 0x4006, Generic = 0x4007, CryptoMessage = 0x4008, Sbom = 0x4009,
    OciRootIndex = 0x400A, OciBlob = 0x400B,
}

/// <summary>File system of a partition object.</summary>
public enum SifFsType { Squashfs = 1, Ext3 = 2, ImmuObj = 3, Raw = 4, EncryptedSquashfs = 5 }

/// <summary>Role of a partition object; the runnable root file system is <see cref="PrimSys"/>.</summary>
public enum SifPartType { System = 1, PrimSys = 2, Data = 3, Overlay = 4 }

/// <summary>Hash algorithm of a signature object.</summary>
public enum SifHashType { Sha256 = 1, Sha384 = 2, Sha512 = 3, Blake2s = 4, Blake2b = 5 }

/// <summary>SIF's two-character architecture codes and their Go/OCI names.</summary>
public static class SifArch
{
    private static readonly (string Code, string Name)[] codes =
    [
        ("00", "unknown"), ("01", "386"), ("02", "amd64"), ("03", "arm"), ("04", "arm64"), ("05", "ppc64"),
        ("06", "ppc64le"),
        ("07", "mips"), ("08", "mipsle"), ("09", "mips64"), ("10", "mips64le"), ("11", "s390x"), ("12", "riscv64"),
    ];

    /// <summary>The OCI name of a code ("02" → "amd64"); unknown codes are shown as they are.</summary>
    public static string Name(string code) => codes.FirstOrDefault(c => c.Code == code).Name ?? code;

    /// <summary>The code of an OCI architecture name ("amd64" → "02"); throws for one SIF has no code for.</summary>
    public static string Code(string name) => codes.FirstOrDefault(c => c.Name == name).Code
        ?? throw new ArgumentException($"SIF has no code for architecture '{name}'");
}
