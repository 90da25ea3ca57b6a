using HpcRun.HostLibraries;
using HpcRun.Image;

namespace HpcRun.Build.Recipe;

/// <summary>
/// A RUN or %post runs the stage's programs on this host. On a base for another CPU (an arm64 SIF on amd64) that
/// works only through a binfmt_misc handler for that CPU (qemu-user-static's); without one the shell failed with
/// "Exec format error" and status 126, naming neither CPU. The step is refused before it starts instead, in one line
/// that says both CPUs and what would run it (82, as a launch of an image for another CPU). Steps that run nothing
/// (COPY, LABEL...) need no handler.
/// </summary>
public static class ForeignBase
{
    /// <summary>Why the step <paramref name="keyword"/> at <paramref name="line"/> cannot run on this host (CPU
    /// <paramref name="host"/>, OCI's name) in a tree whose programs <paramref name="program"/> tells (a probe, its
    /// ELF header and first bytes: <see cref="ImageMachine.ProgramIn"/>); null when it can: the tree tells nothing,
    /// its CPU is one the host runs, or an enabled one of <paramref name="handlers"/> matches the program.</summary>
    public static string? Refusal(string keyword, int line, (string Probe, ElfHeader Elf, byte[] Start)? program,
        string host, IEnumerable<BinfmtHandler> handlers)
    {
        if (program is not { } found || found.Elf.OciArchitecture is not { } architecture
            || HostPlatform.Runs(architecture, host) || handlers.Any(h => h.Runs(found.Start)))
            return null;
        return $"{keyword} at line {line}: the base is for {architecture} (its {found.Probe} is a program for " +
            $"{found.Elf.MachineName}), this host is {host}: running its programs here needs a binfmt_misc handler " +
            $"for {found.Elf.MachineName} (qemu-user-static registers one), or a build where the CPU is {architecture}";
    }

    /// <summary>Throws <see cref="Refusal"/>'s line, if any, for <paramref name="at"/> in <paramref name="tree"/> on
    /// this host, with its binfmt_misc handlers.</summary>
    /// <exception cref="ImageBuildException"><see cref="BuildFailure.ImageArchitecture"/>.</exception>
    public static void Check(Instruction at, string tree)
    {
        if (Refusal(at.Keyword, at.Line, ImageMachine.ProgramIn(tree), HostPlatform.Architecture,
                BinfmtHandler.OfHost()) is { } why)
            throw new ImageBuildException(why, BuildFailure.ImageArchitecture);
    }
}
