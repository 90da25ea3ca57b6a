using System.Runtime.InteropServices;

namespace HpcRun.Image;

/// <summary>This host's platform as OCI names platforms (image-index.md, "platform": GOOS/GOARCH values).</summary>
public static class HostPlatform
{
    /// <summary>amd64, arm64, 386, arm, s390x, ppc64le, riscv64...</summary>
    public static string Architecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>linux/ARCH: what a pull takes from a multi-platform image by default.</summary>
    public static string Name => $"linux/{Architecture}";

    /// <summary>Whether a host whose CPU is <paramref name="host"/> runs programs for <paramref name="image"/>
    /// (OCI's names) itself, with no emulator: the same CPU, or 386 on amd64, whose kernels run 32-bit x86
    /// programs (IA32 emulation, on in every distribution's kernel). An arm64 kernel may lack 32-bit arm, so arm on
    /// arm64 is not taken for granted.</summary>
    public static bool Runs(string image, string host) => image == host || image == "386" && host == "amd64";
}
