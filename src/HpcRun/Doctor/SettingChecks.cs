using HpcRun.Gpu;
using HpcRun.Launch;
using HpcRun.Launch.Parts;
using HpcRun.Mpi;
using HpcRun.Rdma;

namespace HpcRun.Doctor;

/// <summary>
/// The GPUs, RDMA devices and MPI that the site configuration and the variables (HPCRUN_GPU, APPTAINER_NV,
/// HPCRUN_RDMA, HPCRUN_MPI...) choose for every launch that gives no option, chosen and checked by the launch's own
/// code: a FAIL with the launch's line where it would stop (a GPU or an RDMA device this node lacks, host MPI where it
/// has none, a bad word), a WARN with its warning where it goes on (APPTAINER_NV on a node without NVIDIA GPUs). No
/// line where nothing chose them: the built-in defaults stop no launch, and the other checks say what the node has.
/// </summary>
public static class SettingChecks
{
    /// <summary>A launch that gives no option.</summary>
    private static readonly LaunchRequest NoOptions = new() { Image = "" };

    public static CheckResult? Gpu(DoctorHost host) => Checked("gpu selection", "--gpu", host, site =>
    {
        LaunchRequest request = ApptainerVariables.Gpu(NoOptions, host.Environment);
        Setting<GpuSelection> selection = GpuPart.Selection(request, host.Environment, site);
        string[] warnings =
            [.. new[] { GpuPart.Ignored(request) }.OfType<string>(), .. GpuPart.Check(host.Gpu, selection,
                host.Environment)];
        return (selection.Unseen, $"{selection.Value}", warnings);
    });

    public static CheckResult? Rdma(DoctorHost host) => Checked("rdma selection", "--rdma", host, site =>
    {
        Setting<RdmaSelection> selection = RdmaPart.Selection(NoOptions, host.Environment, site);
        RdmaPart.Check(host.Rdma, selection);
        return (selection.Unseen, $"{selection.Value}", []);
    });

    public static CheckResult? Mpi(DoctorHost host) => Checked("mpi selection", "--mpi", host, site =>
    {
        Setting<MpiMode> mode = MpiPart.Mode(NoOptions, host.Environment, site);
        MpiPart.Check(host.Mpi, host.Environment, mode,
            MpiPart.Compatibility(NoOptions, host.Environment, site));
        return (mode.Unseen, mode.Value.ToString().ToLowerInvariant(), []);
    });

    /// <param name="choose">The setting's origin where a variable or the site configuration chose it (null: the
    /// built-in default), its value as the option takes it, and the launch's warnings.</param>
    private static CheckResult? Checked(string name, string option, DoctorHost host,
        Func<SiteConfig, (string? Origin, string Value, string[] Warnings)> choose)
    {
        if (host.Site is not { } site) return null; // a bad configuration: its own check fails, as every launch stops
        try
        {
            var (origin, value, warnings) = choose(site);
            if (origin is null) return null;
            return warnings.Length == 0
                ? CheckResult.Ok(name, $"{value} (from {origin}), for each launch here that gives no {option}")
                : CheckResult.Warn(name, string.Join("; ", warnings),
                    $"a launch here that gives no {option} warns so and goes on; unset {origin} where it does not " +
                    "apply");
        }
        catch (HpcRunException e)
        {
            return CheckResult.Fail(name, e.Message, $"each launch here that gives no {option} stops at this line " +
                $"(status {(int)e.Code}): correct or unset the variable or the configuration line it names");
        }
    }
}
