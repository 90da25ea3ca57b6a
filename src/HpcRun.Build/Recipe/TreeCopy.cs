using System.Diagnostics;

namespace HpcRun.Build.Recipe;

/// <summary>Copies and removes whole trees for the recipe build: `cp -a` (GNU coreutils: modes, times, symlinks, hard
/// links; reflinks where the file system has them) and `rm -rf` after making directories writable (a package may
/// leave read-only ones). A cancelled copy is killed.</summary>
internal static class TreeCopy
{
    /// <summary>Copies the contents of <paramref name="source"/> into <paramref name="target"/> (made when missing).
    /// Device nodes, which an unprivileged build can neither make nor use, are left out.</summary>
    public static void Copy(string source, string target, CancellationToken cancel)
    {
        if (CopyErrors(source, target, cancel) is [var first, ..]) throw Failed(source, first);
    }

    /// <summary>Copies as <see cref="Copy"/> does, going on past what cp cannot copy; cp's lines about it, each
    /// naming the source's file as `SOURCE/./PATH`. The device nodes it cannot make (a plain user makes none) are
    /// no error: their paths, relative to <paramref name="target"/>, go to <paramref name="devices"/>.</summary>
    public static string[] CopyErrors(string source, string target, CancellationToken cancel,
        List<string>? devices = null)
    {
        Directory.CreateDirectory(target);
        string errors = Run("cp", ["-a", "--reflink=auto", "--", $"{source}/.", target], cancel, check: false).Errors;
        string special = $"cannot create special file '{target.TrimEnd('/')}/./";
        List<string> lines = [];
        foreach (string line in errors.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (line.IndexOf(special, StringComparison.Ordinal) is >= 0 and var at)
                devices?.Add(line[(at + special.Length)..line.LastIndexOf('\'')]);
            else if (!line.Contains("cannot create special file", StringComparison.Ordinal))
                lines.Add(line);
        return [.. lines];
    }

    /// <summary>The copy of <paramref name="source"/> failed, as cp's <paramref name="line"/> says.</summary>
    public static ImageBuildException Failed(string source, string line) => ImageBuildException.FullIn(line) is { } full
        ? new($"cannot copy {source}: {full}", BuildFailure.DiskFull) : new($"cannot copy {source}: {line}");

    /// <summary>Removes <paramref name="path"/> and everything in it; nothing when it is missing. Only directories
    /// are made writable: a file's mode does not keep it from being removed, and the build cache's trees share files
    /// (<see cref="SharedFiles"/>) whose modes another tree still has. Each as find(1) reaches it (";"), before it
    /// descends there.</summary>
    public static void Remove(string path)
    {
        if (!Path.Exists(path)) return;
        Run("find", ["--", path, "-type", "d", "!", "-perm", "-u=rwx", "-exec", "chmod", "u+rwx", "--", "{}", ";"],
            CancellationToken.None, check: false);
        Run("rm", ["-rf", "--", path], CancellationToken.None);
    }

    /// <summary>Runs <paramref name="program"/>; its exit status and stderr. Throws <see cref="ImageBuildException"/>
    /// when it fails and <paramref name="check"/> (<see cref="BuildFailure.DiskFull"/> when it says so).</summary>
    public static (int Status, string Errors) Run(string program, IReadOnlyList<string> args,
        CancellationToken cancel, bool check = true)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.Environment["LC_ALL"] = "C"; // its errors in strerror's words, which tell a full disk (FullIn)
        foreach (string arg in args) start.ArgumentList.Add(arg);
        Process started;
        try { started = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new ImageBuildException(program == "unsquashfs" ? $"{program} not found: {SquashFsMaker.Install}"
                : $"{program} not found", BuildFailure.ToolMissing);
        }
        using Process process = started;
        using CancellationTokenRegistration stop = cancel.Register(() => Kill(process));
        Task<string> errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        cancel.ThrowIfCancellationRequested();
        if (check && process.ExitCode != 0)
            throw new ImageBuildException($"{program} failed: {errors.Result.Trim().Split('\n')[0]}");
        return (process.ExitCode, errors.Result);
    }

    public static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // ended already
    }
}
