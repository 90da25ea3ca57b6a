namespace HpcRun.Rdma;

/// <summary>What the container gets for RDMA: mounts in order, a library directory to put first
/// on LD_LIBRARY_PATH, and warnings for the user.</summary>
public sealed record RdmaPlan(IReadOnlyList<RdmaMount> Mounts, string? LibraryPath, IReadOnlyList<string> Warnings);

/// <summary>A bind of <see cref="Source"/> (a host path) at <see cref="Target"/>, or, when
/// <see cref="Source"/> is null, an empty tmpfs that hides what the host has there.</summary>
public sealed record RdmaMount(string Target, string? Source, bool ReadOnly = false)
{
    public static RdmaMount Hide(string target) => new(target, null);
}

/// <summary>The user named an RDMA device the host does not have.</summary>
public sealed class RdmaDeviceNotFoundException(string message) : Exception(message);
