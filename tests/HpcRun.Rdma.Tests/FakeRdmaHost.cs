using HpcRun.TestSupport;

namespace HpcRun.Rdma.Tests;

/// <summary>
/// A host with RDMA hardware, faked below a world-readable directory as the kernel and
/// rdma-core lay it out: two InfiniBand HCAs (mlx5_0 with verbs, umad and issm nodes; mlx5_1
/// with verbs and umad) and a RoCE NIC (rocep1s0, verbs only), their /dev/infiniband nodes
/// (real character devices when running as root), provider configs, and libraries (copies of this
/// machine's rdma-core, which Open MPI's packages pull in: real ELF files for the glibc check).
/// </summary>
public sealed class FakeRdmaHost : IDisposable
{
    public const int VerbsMajor = 231;

    public string Root { get; } = Path.Combine("/var/tmp", $"hpcrun-rdma-{Guid.NewGuid():N}");
    private readonly List<(string Path, int Major, int Minor, string Mode)> nodes = [];

    public const string LibDir = "/usr/lib/x86_64-linux-gnu";

    public FakeRdmaHost()
    {
        Directory.CreateDirectory(Root);
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        Device("mlx5_0", "InfiniBand", "4: ACTIVE",
            ("infiniband_verbs", "uverbs0", 192), ("infiniband_mad", "umad0", 0), ("infiniband_mad", "issm0", 64));
        Device("mlx5_1", "InfiniBand", "1: DOWN", ("infiniband_verbs", "uverbs1", 193), ("infiniband_mad", "umad1", 1));
        Device("rocep1s0", "Ethernet", "4: ACTIVE", ("infiniband_verbs", "uverbs2", 194));
        Write("/sys/class/infiniband_verbs/abi_version", "6\n");
        Write("/sys/class/infiniband_mad/abi_version", "5\n");
        Node("/dev/infiniband/rdma_cm", 10, 58, "0666");
        Write("/etc/libibverbs.d/mlx5.driver", "driver mlx5\n");
        Write("/etc/libibverbs.d/rxe.driver", "driver rxe\n");
        foreach (string library in new[] { "libibverbs.so.1", "librdmacm.so.1", "libmlx5.so.1" })
            Copy($"{LibDir}/{library}");
        Link($"{LibDir}/libibverbs/libmlx5-rdmav34.so", "../libmlx5.so.1"); // as rdma-core installs providers
        TestEnvironment.RunChecked("chmod", "-R", "a+rX", Root);
        // After chmod, which would change their modes.
        foreach (var (path, major, minor, mode) in nodes) MakeNode(path, major, minor, mode);
    }

    public string HostPath(string path) => Root + path;

    public void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(HostPath(path))!);
        File.WriteAllText(HostPath(path), content);
    }

    /// <summary>This machine's file (symlinks followed) at the same path in the fake host.</summary>
    private void Copy(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(HostPath(path))!);
        File.Copy(path, HostPath(path));
    }

    public void Delete(string path) => File.Delete(HostPath(path));

    /// <summary>The host as discovery reads it, seeing /dev/infiniband and all class directories.</summary>
    public RdmaHost Read(long? memlock = null) => RdmaDiscovery.Read(Root, memlock) with
    {
        VisibleDirs = new HashSet<string>(RdmaPaths.ClassDirs.Append(RdmaPaths.DevDir)),
    };

    /// <summary>A device as the kernel shows it: /sys/class/infiniband/NAME -> ../../devices/..., its
    /// port, and each node's class entry (ibdev, uevent with DEVNAME) and /dev/infiniband node.</summary>
    private void Device(string name, string linkLayer, string state,
        params (string Class, string Node, int Minor)[] devNodes)
    {
        string device = $"/sys/devices/pci0000:00/{name}/infiniband/{name}";
        Write($"{device}/ports/1/link_layer", linkLayer + "\n");
        Write($"{device}/ports/1/state", state + "\n");
        Link($"/sys/class/infiniband/{name}", $"../../devices/pci0000:00/{name}/infiniband/{name}");
        foreach (var (cls, node, minor) in devNodes)
        {
            string entry = $"/sys/devices/pci0000:00/{name}/infiniband_{cls["infiniband_".Length..]}/{node}";
            Write($"{entry}/ibdev", name + "\n");
            Write($"{entry}/uevent", $"MAJOR={VerbsMajor}\nMINOR={minor}\nDEVNAME=infiniband/{node}\n");
            Link($"/sys/class/{cls}/{node}",
                $"../../devices/pci0000:00/{name}/infiniband_{cls["infiniband_".Length..]}/{node}");
            Node($"/dev/infiniband/{node}", VerbsMajor, minor,
                node.StartsWith("uverbs", StringComparison.Ordinal) ? "0666" : "0600");
        }
    }

    private void Link(string path, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(HostPath(path))!);
        File.CreateSymbolicLink(HostPath(path), target);
    }

    /// <summary>A character device when root may make one, else a plain file in its place.</summary>
    private void Node(string path, int major, int minor, string mode)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(HostPath(path))!);
        nodes.Add((path, major, minor, mode));
    }

    private void MakeNode(string path, int major, int minor, string mode)
    {
        if (Environment.UserName == "root")
            TestEnvironment.RunChecked("mknod", "-m", mode, HostPath(path), "c", $"{major}", $"{minor}");
        else File.WriteAllText(HostPath(path), "");
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
