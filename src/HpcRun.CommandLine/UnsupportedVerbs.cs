using HpcRun.Image.Text;
namespace HpcRun.CommandLine;

/// <summary>
/// Apptainer's verbs and image references hpcrun does not have, each with what to do instead, so a user
/// migrating from Apptainer reads one line ("hpcrun: 'instance' is not supported: ...", status 64), not
/// "image not found: instance". Data: a verb hpcrun gains leaves the table. Verbs: Apptainer's
/// `apptainer help`; references: its "Supported URIs" (apptainer-run(1)).
/// </summary>
public static class UnsupportedVerbs
{
    private static readonly Dictionary<string, string> Verbs = new()
    {
        ["push"] = "hpcrun uploads nothing: copy the SIF, or push an OCI image with skopeo or oras",
        ["search"] = "hpcrun talks to no container library: look images up in your registry's web page",
        ["instance"] = "hpcrun starts no background containers: run the job with `hpcrun exec IMAGE CMD &` " +
            "(or srun), its services inside it",
        ["sign"] = "hpcrun neither signs nor verifies images: sign and check SIF files with Apptainer or siftool",
        ["verify"] = "hpcrun neither signs nor verifies images: sign and check SIF files with Apptainer or siftool",
        ["key"] = "hpcrun keeps no keys: sign and check SIF files with Apptainer or siftool",
        ["remote"] = "hpcrun has no remote endpoints to configure",
        ["oci"] = "hpcrun runs OCI images once built into one file: `hpcrun build OUT.sif OCI-LAYOUT`, then run it",
        ["overlay"] = "hpcrun has no persistent overlays: --writable-tmpfs gives a throwaway writable layer, " +
            "-B a writable host directory",
        ["plugin"] = "hpcrun has no plugins",
        ["capability"] = "hpcrun grants no capabilities: --fakeroot makes you uid 0 inside, without privileges outside",
        ["config"] = "site defaults are in /etc/hpcrun/hpcrun.conf (README, \"Site configuration\"); " +
            "`hpcrun doctor` checks a node",
        ["siftool"] = "`hpcrun inspect IMAGE` lists a SIF's objects",
        ["delete"] = "hpcrun talks to no container library",
        ["checkpoint"] = "hpcrun has no checkpointing: checkpoint inside the job (DMTCP, your code's restart files)",
        ["completion"] = "hpcrun has no shell completion script: `hpcrun help VERB` lists a verb's options",
    };

    private static readonly (string Scheme, string Advice)[] References =
    [
        ("oras://", "fetch the SIF with the oras CLI (`oras pull`) and give hpcrun the file"),
        ("library://", "download the SIF where Apptainer is installed (`apptainer pull`) and give hpcrun the file"),
        ("shub://", "Singularity Hub is read-only and archived: download the SIF and give hpcrun the file"),
        ("instance://", "hpcrun starts no background containers: run the job with `hpcrun exec IMAGE CMD`"),
        ("docker-daemon:", "hpcrun reads no Docker daemon: `docker save IMG -o image.tar`, then " +
            "`hpcrun build image.sif docker-archive:image.tar`"),
    ];

    /// <summary>The one-line refusal for <paramref name="word"/> (a verb or an image reference); null when
    /// hpcrun has nothing against it.</summary>
    public static string? Refusal(string word)
    {
        string? advice = Verbs.GetValueOrDefault(word)
            ?? References.FirstOrDefault(r => word.StartsWith(r.Scheme, StringComparison.Ordinal)).Advice;
        return advice is null ? null : $"'{Shown.Address(word)}' is not supported: {advice}";
    }

    /// <summary>Throws the refusal for <paramref name="word"/>, if hpcrun has one.</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>).</exception>
    public static void Check(string word)
    {
        if (Refusal(word) is { } refusal) throw new HpcRunException(ExitCode.Usage, refusal);
    }
}
