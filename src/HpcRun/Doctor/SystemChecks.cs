using System.Runtime.InteropServices;
using HpcRun.Apply.SquashFuse;
using HpcRun.Image.Posix;

namespace HpcRun.Doctor;

/// <summary>What every launch needs from the node: user namespaces, FUSE, squashfuse, a recent kernel.</summary>
public static class SystemChecks
{
    /// <summary>Unprivileged overlayfs (the container root) needs 5.11; openat2 (RESOLVE_IN_ROOT) 5.6.</summary>
    public static readonly Version MinimumKernel = new(5, 11);

    public static CheckResult UserNamespaces(DoctorHost host)
    {
        const string name = "user namespaces";
        if (host.UnshareErrno == 0) return CheckResult.Ok(name, "unprivileged user and mount namespaces work");
        string reason = Marshal.GetPInvokeErrorMessage(host.UnshareErrno);
        string fix = host.ReadLine("/proc/sys/user/max_user_namespaces") == "0"
                ? "sysctl -w user.max_user_namespaces=15000"
            : host.ReadLine("/proc/sys/kernel/unprivileged_userns_clone") == "0"
                ? "sysctl -w kernel.unprivileged_userns_clone=1"
            : host.ReadLine("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1"
                ? "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, " +
                    "or an AppArmor profile allowing userns for hpcrun"
            : "ask the administrators to allow unprivileged user namespaces (user.max_user_namespaces > 0)";
        return CheckResult.Fail(name, $"cannot create one ({reason})", fix);
    }

    public static CheckResult Fuse(DoctorHost host)
    {
        const string name = "fuse";
        string fuse = host.HostPath("/dev/fuse");
        if (!File.Exists(fuse))
            return CheckResult.Fail(name, "/dev/fuse does not exist (SquashFS and SIF images cannot be mounted)",
                "modprobe fuse");
        try
        {
            using var _ = File.Open(fuse, FileMode.Open, FileAccess.ReadWrite);
            return CheckResult.Ok(name, "/dev/fuse is usable");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return CheckResult.Fail(name, $"/dev/fuse cannot be opened ({IoError.Describe(e)})",
                "chmod 0666 /dev/fuse (a udev rule makes it permanent)");
        }
    }

    public static CheckResult Squashfuse(DoctorHost host) =>
        host.SquashFuseError is { } error
            ? CheckResult.Fail("squashfuse", $"{error.Split(':')[0]}: SquashFS and SIF images cannot be served",
                "install squashfuse (apt install squashfuse / dnf install squashfuse)")
            : CheckResult.Ok("squashfuse", $"{SquashFuseLibrary.SoName} loads");

    public static CheckResult Kernel(DoctorHost host)
    {
        const string name = "kernel";
        string? release = host.ReadLine("/proc/sys/kernel/osrelease");
        if (release is null) return CheckResult.Warn(name, "cannot read /proc/sys/kernel/osrelease", "mount /proc");
        string[] parts = release.Split('.', '-');
        if (parts.Length < 2 || !int.TryParse(parts[0], out int major) || !int.TryParse(parts[1], out int minor))
            return CheckResult.Warn(name, $"cannot parse the release '{release}'",
                $"use Linux {MinimumKernel} or later");
        return new Version(major, minor) >= MinimumKernel
            ? CheckResult.Ok(name, $"Linux {release}")
            : CheckResult.Fail(name, $"Linux {release} is older than {MinimumKernel} (no unprivileged overlayfs)",
                $"upgrade to Linux {MinimumKernel} or later");
    }
}
