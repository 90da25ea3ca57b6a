namespace HpcRun.Image;

/// <summary>
/// A platform as containerd reads one (containerd/platforms: Parse, then Normalize, which Docker's --platform and
/// BuildKit's use): OS/ARCH[/VARIANT] in any case, a lone OS (the host's architecture) or a lone architecture (the
/// host's OS, linux), with the architectures' other names mapped to the OCI ones (aarch64 to arm64, x86_64 and
/// x86-64 to amd64, i386 to 386, armhf to arm/v7, armel to arm/v6) and the default variants dropped or made
/// explicit (arm64/v8 is arm64, arm is arm/v7).
/// </summary>
public static class PlatformName
{
    // containerd's database.go: knownOS, knownArch.
    private static readonly HashSet<string> KnownOs =
    [
        "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl",
        "netbsd", "openbsd", "plan9", "solaris", "windows", "zos",
    ];

    private static readonly HashSet<string> KnownArchitectures =
    [
        "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64", "ppc64le", "loong64", "mips",
        "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "riscv", "riscv64", "s390", "s390x",
        "sparc", "sparc64", "wasm",
    ];

    /// <summary><paramref name="text"/> as os/arch or os/arch/variant, normalized ("LINUX/AARCH64/8" is
    /// linux/arm64, "arm" is linux/arm/v7, "linux" the host's).</summary>
    /// <exception cref="ArgumentException">Not OS/ARCH[/VARIANT] of letters, digits, '_' and '-', or a lone word
    /// that is neither a known OS nor a known architecture.</exception>
    public static string Normalize(string text)
    {
        string[] parts = text.ToLowerInvariant().Split('/');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterOrDigit(c) || c is
                '_' or '-')))
            throw new ArgumentException($"bad platform '{text}': expected OS/ARCH[/VARIANT], e.g. linux/amd64");
        string os = parts[0] == "macos" ? "darwin" : parts[0];
        if (parts.Length == 1)
        {
            if (KnownOs.Contains(os)) return Normalize($"{os}/{HostPlatform.Architecture}");
            if (KnownArchitectures.Contains(Architecture(parts[0], "").Architecture)) return Normalize($"linux/{text}");
            throw new ArgumentException($"bad platform '{text}': not an OS or an architecture " +
                "(give OS/ARCH, e.g. linux/amd64)");
        }
        (string architecture, string variant) = Architecture(parts[1], parts.Length == 3 ? parts[2] : "");
        return variant.Length > 0 ? $"{os}/{architecture}/{variant}" : $"{os}/{architecture}";
    }

    /// <summary>containerd's normalizeArch: an architecture and its variant (lower case, "" for none) by their OCI
    /// names, the default variant of arm64 (v8) dropped and that of arm (v7) made explicit.</summary>
    public static (string Architecture, string Variant) Architecture(string architecture, string variant)
    {
        (architecture, variant) = (architecture.ToLowerInvariant(), variant.ToLowerInvariant());
        return architecture switch
        {
            "i386" => ("386", ""),
            "x86_64" or "x86-64" or "amd64" => ("amd64", variant == "v1" ? "" : variant),
            "aarch64" or "arm64" => ("arm64", variant switch
            {
                "8" or "v8" or "v8.0" => "",
                "9" or "9.0" or "v9.0" => "v9",
                _ => variant,
            }),
            "armhf" => ("arm", "v7"),
            "armel" => ("arm", "v6"),
            "arm" => ("arm", variant switch
            {
                "" or "7" => "v7",
                "5" or "6" or "8" => "v" + variant,
                _ => variant,
            }),
            _ => (architecture, variant),
        };
    }
}
