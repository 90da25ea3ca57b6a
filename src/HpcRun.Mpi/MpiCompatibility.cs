using HpcRun.HostLibraries;

namespace HpcRun.Mpi;

/// <summary>How closely the host's MPI version must match the image's (Sarus' levels).</summary>
public enum MpiCompatibility
{
    /// <summary>Same family and soname major (the ABI promise); an older host minor is only warned about.</summary>
    Major,
    /// <summary>Also a host minor at least the image's (what the image was built against is there).</summary>
    Full,
    /// <summary>The identical library version.</summary>
    Strict,
}

/// <summary>The verdict on a host/image MPI pair: refused with one line naming
/// both, or accepted with warnings.</summary>
public sealed record AbiVerdict(string? Refusal, IReadOnlyList<string> Warnings)
{
    public bool Compatible => Refusal is null;
}

/// <summary>Checks that the host's MPI can replace the image's: same ABI family and soname major
/// (and minor/patch per <see cref="MpiCompatibility"/>), and an image glibc at least as new as the
/// newest GLIBC_x.y symbol version the injected host libraries need.</summary>
public static class AbiCheck
{
    public static AbiVerdict Check(MpiInstallation host, MpiInstallation image, MpiCompatibility level)
    {
        LibraryVersion h = host.Core.Version, i = image.Core.Version;
        string Refuse(string why) => $"host MPI {host} cannot replace the image's {image}: {why}";
        if (host.Family != image.Family) return new(Refuse("different MPI ABIs"), []);
        if (h.Major != i.Major) return new(Refuse($"soname major {h.Major} is not {i.Major}"), []);
        string? strictness = level switch
        {
            MpiCompatibility.Full when h.Minor < i.Minor =>
                $"host minor version {h.Minor} is older than {i.Minor} (compatibility level full)",
            MpiCompatibility.Strict when h.ToString() != i.ToString() => "versions differ (compatibility level strict)",
            _ => null,
        };
        if (strictness is not null) return new(Refuse(strictness), []);
        var warnings = new List<string>();
        if (h.Minor < i.Minor)
            warnings.Add($"host MPI {host.Core} is older (minor {h.Minor}) than the image's {image.Core}"
                + $" (minor {i.Minor}); trying anyway");
        return new(null, warnings);
    }

    /// <summary>Null when the image's glibc satisfies what <paramref name="stack"/>'s libraries need, else the
    /// refusal, which tells an MPI library of the stack from a library it needs (libstdc++, libucp...).</summary>
    public static string? CheckGlibc(HostMpiStack stack, ImageGlibc? image) => CheckGlibc(stack.Glibc, image,
        stack.Glibc is { } need && stack.Installation.Libraries.Any(l => l.RealPath == need.Library));

    /// <summary>Null when the image's glibc satisfies <paramref name="need"/>, else the refusal.</summary>
    /// <param name="ofMpi">Whether the library that needs it is an MPI library, not one the MPI needs.</param>
    public static string? CheckGlibc(GlibcNeed? need, ImageGlibc? image, bool ofMpi = true)
    {
        if (need is null) return null;
        string who = ofMpi ? $"host MPI library {need.Library}"
            : $"host library {need.Library} (needed by the host MPI)";
        if (image is null)
            return $"{who} needs glibc {need.Version}, but the image has no glibc (libc.so.6) to run it with";
        return image.Version >= need.Version ? null
            : $"{who} needs glibc {need.Version}, but the image's glibc is {image.Version} ({image.Path})";
    }
}
