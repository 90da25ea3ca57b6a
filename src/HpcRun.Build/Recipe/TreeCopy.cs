using System.Diagnostics;

namespace HpcRun.Build.Recipe;

/// <summary>Copies whole trees with `cp -a` (GNU coreutils: modes, times, symlinks, hard links; reflinks where the
/// file system has them), for the build cache's snapshots. A cancelled copy is killed.</summary>
internal static class TreeCopy
{
    /// <summary>Copies the contents of <paramref name="source"/> into <paramref name="target"/> (made when
    /// missing).</summary>
    public static void Copy(string source, string target, CancellationToken cancel)
    {
        Directory.CreateDirectory(target);
        Run("cp", ["-a", "--reflink=auto", "--", $"{source}/.", target], cancel);
    }

    /// <summary>Runs <paramref name="program"/>, its output going to hpcrun's stderr; throws
    /// <see cref="ImageBuildException"/> when it fails.</summary>
    public static void Run(string program, IReadOnlyList<string> args, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        using (cancel.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
        {
            Task<string> errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            cancel.ThrowIfCancellationRequested();
            if (process.ExitCode != 0)
                throw new ImageBuildException($"{program} failed: {errors.Result.Trim().Split('\n')[0]}");
        }
    }
}
