using System.Runtime.InteropServices;
using HpcRun.CommandLine;
using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Image.Text;

namespace HpcRun.Doctor;

/// <summary>Whether an image can run on this node: it is a usable image, built for this CPU.</summary>
public static class ImageChecks
{
    /// <summary>What doctor's trial launch of a file image starts (`TrialShell -c true`).</summary>
    public const string TrialShell = "/bin/sh";

    public static string HostArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "x86_64",
        Architecture.Arm64 => "aarch64",
        Architecture.X86 => "x86",
        Architecture.Arm => "arm",
        Architecture.Ppc64le => "ppc64",
        Architecture.S390x => "s390x",
        Architecture.RiscV64 => "riscv64",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>This host's architecture as SIF headers and OCI name it ("amd64").</summary>
    public static string HostOciArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "386",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>What to do about an image whose bytes are wrong: only another copy helps.</summary>
    private const string MakeAgain = "rebuild or re-download the image";

    /// <summary>Checks a directory image by the ELF header of its shell and a SIF by its header's
    /// architecture; then a file image is probed by <paramref name="runInside"/> (which starts
    /// <see cref="TrialShell"/> in the image and returns null or how it failed).</summary>
    /// <param name="flaggedAbove">A check before this one failed or warned: a launch that failed for no reason of
    /// the image's is sent to them.</param>
    public static CheckResult Check(string image, Func<string, LaunchFailure?> runInside, bool flaggedAbove = false)
    {
        const string name = "image";
        if (ImageAccess.Refusal(name, image) is { } refused) return refused;
        ImageSource source;
        try { source = ImageSource.Probe(image); }
        catch (FileNotFoundException) { return CheckResult.Fail(name, $"{image} not found", ImageAccess.GiveAnImage); }
        catch (Exception e) when (e is ImageFormatException or IOException or UnauthorizedAccessException)
        {
            string why = e is ImageFormatException ? e.Message : IoError.Describe(e); // .NET's text is not for users
            // A file that is no image at all was named by mistake (a tar or a compressed file: said as a launch says
            // it, with what to do with it); one whose image bytes are wrong is to be made again.
            if (!why.StartsWith("not an image", StringComparison.Ordinal))
                return CheckResult.Fail(name, $"{image}: {why}", MakeAgain);
            return ImageArgument.NoImage(image, Content(image)) is (var what, var advice)
                ? CheckResult.Fail(name, $"{image}: {what}", advice)
                : CheckResult.Fail(name, $"{image}: {why}", ImageAccess.GiveAnImage);
        }

        // Its partition's, as a launch reads it and refuses it (a 386 SIF runs on amd64).
        if (source.Architecture is { } sifArch && !HostPlatform.Runs(sifArch, HostOciArchitecture))
            return CheckResult.Fail(name, $"SIF image is for {sifArch}, this host is {HostOciArchitecture}",
                $"use an image built for {HostOciArchitecture}", ExitCode.ImageArchitecture);
        if (source.Kind != ImageKind.Directory)
            return runInside(image) switch
            {
                null => CheckResult.Ok(name, $"{KindName(source.Kind)} image runs here ({HostArchitecture})"),
                // A distroless image: its container started, only the trial's program is not there.
                var failure when failure.Lacks(TrialShell) => source.Architecture is { } arch
                    ? CheckResult.Ok(name, $"SIF image for {arch} starts here (it has no {TrialShell} to run)")
                    : CheckResult.Warn(name, $"SquashFS image starts here, but it has no {TrialShell} to run: " +
                        "cannot tell its architecture", $"run one of its programs: hpcrun exec {image} PROGRAM"),
                var failure => CheckResult.Fail(name, $"{KindName(source.Kind)} image does not run here: {failure}",
                    Fix(failure, image, flaggedAbove)),
            };
        if (ArchiveContent.IsOldDockerSave(image)) // unpacked: layer directories, no root file system to probe
            return CheckResult.Fail(name, $"{image}: {ArchiveContent.OldDockerSaveFormat}",
                ArchiveContent.OldDockerSaveAdvice);
        string? machine = ImageMachine.InDirectory(image)?.Elf.MachineName;
        if (machine is null)
            return CheckResult.Warn(name,
                $"cannot tell the architecture: no ELF {string.Join(" or ", ImageMachine.Probes)} in {image}",
                "check that the directory is a root file system");
        return machine == HostArchitecture
            ? CheckResult.Ok(name, $"directory image for {machine}, like this host")
            : CheckResult.Fail(name, $"directory image is for {machine}, this host is {HostArchitecture}",
                $"use an image built for {HostArchitecture}");
    }

    /// <summary>The fix for what the trial launch said: another copy of a damaged image, another image where this
    /// one's shell is a program for another machine, another build where the image's files are in the way of a mount
    /// or its shell does not start, the image's own MPI where the host's cannot replace it, what the image's shell
    /// or environment scripts said where they ended it (the job's status, none of hpcrun's); else what the checks
    /// above found (FUSE, namespaces...) when one of them failed or warned, the launch's own detail when none did.
    /// </summary>
    private static string Fix(LaunchFailure failure, string image, bool flaggedAbove)
    {
        string trial = $"{ShellWords.Quote(image)} {TrialShell} -c true";
        return failure.Damaged ? MakeAgain
            : failure.ForAnotherMachine ? $"use an image built for {HostArchitecture}"
            : failure.Status == (int)ExitCode.BindTargetUnusable ? InTheWay
            : failure.Status is (int)ExitCode.CommandNotExecutable or (int)ExitCode.CommandNotFound
                ? $"the image's {TrialShell} does not start (the line says why): rebuild the image with a working " +
                    TrialShell
            : failure.Status == (int)ExitCode.MpiIncompatible ? "host MPI cannot be bound into this image (the line " +
                "says why): give --mpi=container to run the image's own MPI"
            : !Enum.IsDefined((ExitCode)failure.Status) ? $"the image's {TrialShell} or its environment scripts " +
                $"(/.singularity.d/env) ended the trial launch so: see what they say with hpcrun exec {trial}"
            : flaggedAbove ? "see the checks above"
            : $"see what the launch says with --debug: hpcrun --debug exec --rdma=none --gpu=none {trial}";
    }

    /// <summary>What to do about an image whose own files are in the way of a mount (76): its /tmp a symlink that
    /// leads out of it, its /etc/passwd a directory.</summary>
    private const string InTheWay = "the image's own files are in the way of the mount in the line (a symlink that " +
        "leads elsewhere, a directory where a file is mounted, or the reverse): rebuild the image with a plain " +
        "directory or file there, as the mount needs";

    /// <summary>What the file <paramref name="image"/>, no image, holds (<see cref="ArchiveContent"/>); nothing to
    /// tell when it cannot be read through.</summary>
    private static ArchiveKind Content(string image)
    {
        try { return ArchiveContent.Look(image); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ArchiveKind.NotTar; }
    }

    /// <summary>A file image's kind as its format spells it ("SquashFS", "SIF"), not as the enum does.</summary>
    private static string KindName(ImageKind kind) => kind == ImageKind.Sif ? "SIF" : "SquashFS";
}
