using HpcRun.Image;
using HpcRun.Image.Metadata;
using HpcRun.Launch;

namespace HpcRun.Tests.Launch;

/// <summary>Builds launch contexts for the pure planning tests.</summary>
internal static class PlanFixture
{
    public static HostFacts Host(
        Dictionary<string, string>? env = null,
        string cwd = "/home/alice/run",
        Dictionary<string, string?>? resolved = null,
        Dictionary<string, string>? envFiles = null) => new()
        {
            Environment = env ?? new Dictionary<string, string>
            {
                ["HOME"] = "/home/alice",
                ["PATH"] = "/host/bin",
                ["SLURM_JOB_ID"] = "7",
            },
            Uid = 1001,
            Gid = 100,
            PasswdLine = "alice:x:1001:100:Alice:/home/alice:/bin/bash",
            GroupLine = "users:x:100:",
            Home = "/home/alice",
            Cwd = cwd,
            ResolvedPaths = resolved ?? new Dictionary<string, string?>
            {
                ["/home/alice"] = "/home/alice",
                ["/etc/hosts"] = "/etc/hosts",
                ["/etc/resolv.conf"] = "/etc/resolv.conf",
                ["/etc/localtime"] = "/usr/share/zoneinfo/Europe/Berlin",
            },
            EnvFileContents = envFiles ?? [],
        };

    public static LaunchContext Context(
        LaunchRequest? request = null,
        HostFacts? host = null,
        ImageConfig? config = null,
        Dictionary<string, string?>? files = null) =>
        new(request ?? new LaunchRequest { Image = "/images/app.sqfs" },
            new ImageSource("/images/app.sqfs", ImageKind.SquashFs),
            config ?? ImageConfig.Empty,
            ImageTree.Of(files ?? new Dictionary<string, string?> { ["/bin/sh"] = "" }),
            host ?? Host());

    public static ContainerPlan Plan(LaunchContext context) => Planner.Decide(context);

    public static Dictionary<string, string> Env(this ContainerPlan plan) => plan.Environment.ToDictionary();
}
