using HpcRun.HostLibraries;

namespace HpcRun.Rdma.Tests;

public class DiscoveryTests
{
    [Fact]
    public void FindsDevicesPortsAndTheirNodes()
    {
        using var fake = new FakeRdmaHost();
        RdmaHost host = fake.Read();

        Assert.Equal(["mlx5_0", "mlx5_1", "rocep1s0"], host.Devices.Select(d => d.Name));
        RdmaDevice mlx5 = host.Devices[0];
        Assert.Equal([new RdmaPort(1, "InfiniBand", "ACTIVE")], mlx5.Ports);
        Assert.Equal(["/dev/infiniband/uverbs0", "/dev/infiniband/umad0", "/dev/infiniband/issm0"],
            mlx5.Nodes.Select(n => n.DevPath));
        Assert.All(mlx5.Nodes, n => Assert.True(n.Present));
        Assert.Equal("/sys/class/infiniband_mad/issm0", mlx5.Nodes[2].SysfsPath);
        Assert.Equal("DOWN", host.Devices[1].Ports[0].State);
        Assert.Equal("RoCE", host.Devices[2].Transport);
        Assert.Equal("InfiniBand", mlx5.Transport);
        Assert.True(host.HasConnectionManager);
        Assert.Equal(["mlx5.driver", "rxe.driver"], host.ProviderConfigs);
        Assert.Equal(["/sys/class/infiniband_mad/abi_version", "/sys/class/infiniband_verbs/abi_version"],
            host.AbiVersionFiles.Order());
    }

    [Fact]
    public void TheNodePathComesFromUeventDevname()
    {
        using var fake = new FakeRdmaHost();
        fake.Write("/sys/devices/pci0000:00/rocep1s0/infiniband_verbs/uverbs2/uevent",
            "MAJOR=231\nMINOR=194\nDEVNAME=infiniband/renamed2\n");

        RdmaNode node = fake.Read().Devices[2].Nodes.Single();

        Assert.Equal("/dev/infiniband/renamed2", node.DevPath);
        Assert.False(node.Present);
    }

    [Fact]
    public void ANodeMissingFromDevIsReportedAbsent()
    {
        using var fake = new FakeRdmaHost();
        fake.Delete("/dev/infiniband/uverbs1");

        Assert.False(fake.Read().Devices[1].Nodes.Single(n => n.Name == "uverbs1").Present);
    }

    [Fact]
    public void FindsTheHostVerbsLibrariesAndTheGlibcTheyNeed()
    {
        using var fake = new FakeRdmaHost();
        HostVerbsLibraries libraries = fake.Read().Libraries!;

        Assert.Equal("/usr/lib/x86_64-linux-gnu", libraries.LibraryDir);
        Assert.Equal(["/usr/lib/x86_64-linux-gnu/libibverbs/libmlx5-rdmav34.so"], libraries.Providers);
        Assert.Equal(["/usr/lib/x86_64-linux-gnu/libibverbs.so.1", "/usr/lib/x86_64-linux-gnu/librdmacm.so.1",
                "/usr/lib/x86_64-linux-gnu/libmlx5.so.1"],
            libraries.CoreLibraries);
        // Debian 12's rdma-core needs GLIBC_2.34 (__libc_start_main's version since glibc 2.34).
        Assert.Equal(new GlibcVersion(2, 34), libraries.RequiredGlibc!.Version);
        Assert.Contains(libraries.RequiredGlibc.Library, libraries.CoreLibraries.Concat(libraries.Providers));
    }

    [Fact]
    public void AHostWithoutRdmaHasNothing()
    {
        string empty = Directory.CreateTempSubdirectory().FullName;
        try
        {
            // rdma-core installed (its provider configs, abi_version files, rdma_cm) but no device: nothing to pass.
            foreach (string file in new[] { "/etc/libibverbs.d/mlx5.driver", "/sys/class/infiniband_verbs/abi_version",
                         "/dev/infiniband/rdma_cm" })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(empty + file)!);
                File.WriteAllText(empty + file, "6\n");
            }
            RdmaHost host = RdmaDiscovery.Read(empty, memlockLimit: null);
            Assert.Empty(host.Devices);
            Assert.False(host.HasConnectionManager);
            Assert.Empty(host.AbiVersionFiles);
            Assert.Empty(host.ProviderConfigs);
            Assert.Null(host.Libraries);
        }
        finally { Directory.Delete(empty, true); }
    }

    [Theory]
    [InlineData("Max locked memory         8388608              8388608              bytes", 8388608L)]
    [InlineData("Max locked memory         unlimited            unlimited            bytes", null)]
    public void ReadsTheMemlockSoftLimit(string line, long? expected) =>
        Assert.Equal(expected,
            MemlockLimit.Parse($"Limit                     Soft Limit           Hard Limit           Units\n{line}\n"));

    [Fact]
    public void ReadsThisProcessLimitAsItsLimitsFileShowsIt() =>
        Assert.Equal(MemlockLimit.Parse(File.ReadAllText("/proc/self/limits")), MemlockLimit.ReadCurrent());
}
