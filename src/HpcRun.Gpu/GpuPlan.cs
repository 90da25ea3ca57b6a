using HpcRun.HostLibraries;

namespace HpcRun.Gpu;

/// <summary>What the container gets for GPUs: mounts in order, directories to put first on LD_LIBRARY_PATH
/// (colon-separated), variables to set, warnings and notes (for -v) for the user.</summary>
public sealed record GpuPlan(IReadOnlyList<GpuMount> Mounts, string? LibraryPath,
    IReadOnlyList<KeyValuePair<string, string>> Environment, IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Notes)
{
    public static GpuPlan Nothing { get; } = new([], null, [], [], []);
}

public enum GpuMountKind
{
    /// <summary>A host file, directory or device node at <see cref="GpuMount.Target"/>.</summary>
    Bind,
    /// <summary>An empty tmpfs that hides what the host has there (the GPUs' /proc entries).</summary>
    Hide,
    /// <summary>An empty read-only file over a device node the job must not use: opening it fails.</summary>
    Blank,
}

/// <summary>One mount of a <see cref="GpuPlan"/>; <see cref="Source"/> is a host path, for binds.</summary>
public sealed record GpuMount(GpuMountKind Kind, string Target, string? Source = null, bool ReadOnly = false)
{
    public static GpuMount Bind(string source, string target, bool readOnly = false) =>
        new(GpuMountKind.Bind, target, source, readOnly);
}

/// <summary>What the planner asks of the image: its glibc (asked only when driver libraries would be added), a path
/// with symlinks resolved inside it (null when missing), and whether its loader already finds a soname.</summary>
public sealed record GpuImage(Func<ImageGlibc?> Glibc, Func<string, string?> Canonical, Func<string, bool> HasLibrary);

/// <summary>Why a GPU set-up is refused (the launcher's exit statuses 85-87).</summary>
public enum GpuFailure
{
    /// <summary>The kind or an index asked for is not on this host (or not among the job's GPUs).</summary>
    NotFound,
    /// <summary>The host's driver is broken: a library link that leads nowhere, libcuda missing.</summary>
    DriverBroken,
    /// <summary>The image cannot run the driver's libraries: no glibc, or an older one than they need.</summary>
    ImageIncompatible,
}

public sealed class GpuException(GpuFailure failure, string message) : Exception(message)
{
    public GpuFailure Failure { get; } = failure;
}
