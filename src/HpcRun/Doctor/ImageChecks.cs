using System.Runtime.InteropServices;
using HpcRun.HostLibraries;
using HpcRun.Image;
using HpcRun.Image.Sif;

namespace HpcRun.Doctor;

/// <summary>Whether an image can run on this node: it is a usable image, built for this CPU.</summary>
public static class ImageChecks
{
    /// <summary>Programs every runnable image has, one of which tells its architecture.</summary>
    private static readonly string[] Probes = ["/bin/sh", "/usr/bin/sh", "/bin/busybox", "/usr/bin/env"];

    public static string HostArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "x86_64", Architecture.Arm64 => "aarch64", Architecture.X86 => "x86", Architecture.Arm => "arm",
        Architecture.Ppc64le => "ppc64", Architecture.S390x => "s390x", Architecture.RiscV64 => "riscv64",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>This host's architecture as SIF headers and OCI name it ("amd64").</summary>
    public static string HostOciArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64", Architecture.Arm64 => "arm64", Architecture.X86 => "386",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>Checks a directory image by the ELF header of its shell and a SIF by its header's
    /// architecture; then a file image is probed by <paramref name="runInside"/> (which starts
    /// /bin/sh in the image and returns null or the error).</summary>
    public static CheckResult Check(string image, Func<string, string?> runInside)
    {
        const string name = "image";
        ImageSource source;
        try { source = ImageSource.Probe(image); }
        catch (FileNotFoundException) { return CheckResult.Fail(name, $"{image} not found", "give the path of a SquashFS or SIF file, or a directory"); }
        catch (Exception e) when (e is ImageFormatException or IOException or UnauthorizedAccessException)
        { return CheckResult.Fail(name, $"{image}: {e.Message}", "rebuild or re-download the image"); }

        if (source.Kind == ImageKind.Sif && SifArch.Name(SifFile.Read(image).Header.Arch) is var sifArch
            && sifArch != "unknown" && sifArch != HostOciArchitecture)
            return CheckResult.Fail(name, $"SIF image is for {sifArch}, this host is {HostOciArchitecture}", $"use an image built for {HostOciArchitecture}");
        if (source.Kind != ImageKind.Directory)
            return runInside(image) is { } error
                ? CheckResult.Fail(name, $"{source.Kind} image does not run here: {error}", $"use an image built for {HostArchitecture}, or see the checks above")
                : CheckResult.Ok(name, $"{source.Kind} image runs here ({HostArchitecture})");
        string? machine = Probes.Select(p => ResolveInside(image, p)).OfType<string>().Select(ElfMachine).FirstOrDefault(m => m is not null);
        if (machine is null)
            return CheckResult.Warn(name, $"cannot tell the architecture: no ELF {string.Join(" or ", Probes)} in {image}", "check that the directory is a root file system");
        return machine == HostArchitecture
            ? CheckResult.Ok(name, $"directory image for {machine}, like this host")
            : CheckResult.Fail(name, $"directory image is for {machine}, this host is {HostArchitecture}", $"use an image built for {HostArchitecture}");
    }

    /// <summary>The host path of <paramref name="path"/> inside the image directory, symlinks resolved
    /// inside it (an absolute link target starts at the image root); null when missing.</summary>
    public static string? ResolveInside(string root, string path)
    {
        var pending = new Queue<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var resolved = new List<string>();
        for (int links = 0; pending.Count > 0;)
        {
            string part = pending.Dequeue();
            if (part == "..") { if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1); continue; }
            if (part == ".") continue;
            string host = Path.Combine([root, .. resolved, part]);
            var info = new FileInfo(host);
            if (info.LinkTarget is not { } target) { resolved.Add(part); continue; }
            if (++links > 40) return null;
            if (target.StartsWith('/')) resolved.Clear();
            pending = new Queue<string>(target.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(pending));
        }
        string result = Path.Combine([root, .. resolved]);
        return File.Exists(result) ? result : null;
    }

    private static string? ElfMachine(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            Span<byte> header = stackalloc byte[ElfHeader.Size];
            int read = stream.ReadAtLeast(header, ElfHeader.Size, throwOnEndOfStream: false);
            return ElfHeader.TryRead(header[..read])?.MachineName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
