using HpcRun.HostLibraries;

namespace HpcRun.Mpi;

/// <summary>The two MPI ABIs in use: Open MPI's, and the MPICH ABI (libmpi.so.12 / libmpich.so.12)
/// that MPICH, Intel MPI, MVAPICH and Cray MPICH share.</summary>
public enum MpiFamily { OpenMpi, MpichAbi }

/// <summary>One MPI library: the soname programs link against, where it was found, and the real file
/// (whose name carries the full version, libmpich.so.12.2.2).</summary>
public sealed record MpiLibrary(string Soname, string Path, string RealPath)
{
    public LibraryVersion Version => LibraryVersion.FromFileName(RealPath) is { } real && real.Soname == Soname
        ? real : LibraryVersion.FromFileName(Soname)!;

    /// <summary>"libmpich.so.12 12.2.2 (/usr/lib/x86_64-linux-gnu/libmpich.so.12.2.2)", for messages.</summary>
    public override string ToString() => $"{Soname} {Version} ({RealPath})";
}

/// <summary>An MPI installation: its ABI family, the core library (libmpi/libmpich) and all its MPI
/// libraries (core and language bindings), first-found first.</summary>
public sealed record MpiInstallation(MpiFamily Family, MpiLibrary Core, IReadOnlyList<MpiLibrary> Libraries)
{
    public string FamilyName => Family == MpiFamily.OpenMpi ? "Open MPI" : "MPICH ABI";

    /// <summary>"MPICH ABI libmpich.so.12 12.2.2 (/usr/lib/...)", for messages.</summary>
    public override string ToString() => $"{FamilyName} {Core}";
}
