using HpcRun.Rdma;

namespace HpcRun.Doctor;

/// <summary>The fabric: RDMA devices and their /dev nodes, ports, provider configs, memlock.</summary>
public static class RdmaChecks
{
    public static IEnumerable<CheckResult> All(DoctorHost host)
    {
        RdmaHost rdma = host.Rdma;
        if (rdma.Devices.Count == 0)
        {
            yield return CheckResult.Ok("rdma", "no RDMA devices (jobs use TCP and shared memory)");
            yield break;
        }
        foreach (RdmaDevice device in rdma.Devices) yield return Device(device);
        yield return rdma.ProviderConfigs.Count > 0
            ? CheckResult.Ok("rdma providers",
                $"{RdmaPaths.ProviderConfigDir}: {string.Join(", ", rdma.ProviderConfigs)}")
            : CheckResult.Warn("rdma providers",
                $"no {RdmaPaths.ProviderConfigDir} on the host: images must bring their own verbs providers",
                "install the host's rdma-core provider package (ibverbs-providers / rdma-core)");
        yield return rdma.MemlockLimit is null
            ? CheckResult.Ok("memlock", "unlimited")
            : CheckResult.Warn("memlock", $"locked memory is limited to {MemlockLimit.Describe(rdma.MemlockLimit)}: " +
                "RDMA registration may fail for large buffers", MemlockLimit.Fix);
    }

    private static CheckResult Device(RdmaDevice device)
    {
        string name = $"rdma {device.Name}";
        string ports = string.Join(", ", device.Ports.Select(p => $"port {p.Number} {p.State}"));
        string summary = $"{device.Transport}, {ports}, {string.Join(" ", device.Nodes.Select(n => n.Name))}";
        if (device.Nodes.FirstOrDefault(n => !n.Present) is { } missing)
            return CheckResult.Fail(name, $"{missing.DevPath} is missing ({summary})",
                "load the user-space access modules: modprobe ib_uverbs ib_umad rdma_ucm");
        if (!device.Nodes.Any(n => n.SysfsClass == RdmaPaths.VerbsClass))
            return CheckResult.Fail(name, $"no verbs device (uverbs) ({summary})", "modprobe ib_uverbs");
        if (!device.Ports.Any(p => p.IsActive))
            return CheckResult.Warn(name, $"no active port ({summary})",
                "check the cable, the switch and the subnet manager (ibstat)");
        return CheckResult.Ok(name, summary);
    }
}
