using HpcRun.Apply;
using HpcRun.Image;
using HpcRun.Image.Posix;
using HpcRun.Image.Recipe;
using HpcRun.Native;
using Microsoft.Win32.SafeHandles;

namespace HpcRun.Recipe;

/// <summary>
/// Runs one command of a recipe (<see cref="RecipeStepCommand"/>) in the build's writable tree: as uid 0 in the user
/// namespace early.c entered, with root emulated (early.c's seccomp filter: chown, setgroups, setresuid... succeed
/// as no-ops), the host's network, and the host's /dev, /proc, /sys, /etc/resolv.conf and /etc/hosts bound in. The
/// tree is written directly, not through an overlay, so a package manager's renames never cross layers (EXDEV).
/// The mounts live in this process's mount namespace and go with it. What the command leaves running is killed when
/// it ends (<see cref="Leftovers"/>), as `docker build` ends a RUN's container.
/// </summary>
internal static partial class RecipeStep
{
    /// <summary>The command's exit status as a shell reports it (128+N when signal N killed it, recorded for the step
    /// to end by the same signal: <see cref="SignalDeath"/>, so that the build tells the two apart); throws
    /// <see cref="HpcRunException"/> when it cannot be started.</summary>
    public static int Run(RecipeStepCommand.Step step)
    {
        EarlyNamespace.EnsureEntered();
        EarlyNamespace.WriteIdMaps(0, 0);
        Syscalls.Mount(null, "/", null, Syscalls.MS_REC | Syscalls.MS_SLAVE); // nothing propagates to the host
        Syscalls.Mount(step.Root, step.Root, null, Syscalls.MS_BIND | Syscalls.MS_REC); // for pivot_root
        using (var root = new RootDir(new SafeFileHandle(
                   Syscalls.Open(step.Root, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC), ownsHandle: true)))
            foreach ((string path, bool directory) in RecipeStepCommand.MountPoints)
                if (File.Exists(path) || Directory.Exists(path)) Bind(root, path, directory);
        Syscalls.SetDumpable(false); // the job cannot look into hpcrun's /proc entries (Executor.cs says why)
        Leftovers.Adopt();
        int status = Supervisor.Run(() => ChildProcess.Start(step.Argv, step.Environment, step.Root, step.Cwd,
            dropSysAdmin: true, emulateRoot: true));
        Leftovers.Kill();
        return status;
    }

    /// <summary>Binds the host's <paramref name="path"/> on the same path in the tree, resolved inside it (a hostile
    /// tree's symlink cannot send the mount outside); a missing target is made, one the tree cannot have (a
    /// dangling symlink, the other kind) leaves the bind out.</summary>
    private static void Bind(RootDir root, string path, bool directory)
    {
        int target = root.TryOpen(path, Libc.O_PATH, out int errno);
        if (target < 0 && errno == Libc.ENOENT) target = Make(root, path, directory);
        if (target < 0) return;
        try
        {
            if (PosixFile.IsDirectory($"/proc/self/fd/{target}") != directory) return;
            ulong flags = Syscalls.MS_BIND | (directory ? Syscalls.MS_REC : 0);
            Syscalls.Mount(path, $"/proc/self/fd/{target}", null, flags);
        }
        finally { Syscalls.Close(target); }
    }

    private static int Make(RootDir root, string path, bool directory)
    {
        int parent = root.TryOpen(Path.GetDirectoryName(path)!, Libc.O_PATH | Libc.O_DIRECTORY, out _);
        if (parent < 0) return -1;
        try
        {
            string name = Path.GetFileName(path);
            if (directory) Syscalls.MakeDirectoryAt(parent, name);
            else Syscalls.CreateFileAt(parent, name);
        }
        catch (SetupException) { return -1; } // a dangling symlink in the way
        finally { Syscalls.Close(parent); }
        return root.TryOpen(path, Libc.O_PATH, out _);
    }
}
