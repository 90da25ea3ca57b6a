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
    ];

    /// <summary>Apptainer's transport for an image in the Docker daemon, which hpcrun cannot reach (it has no
    /// daemon's socket, and a compute node no daemon).</summary>
    private const string DockerDaemon = "docker-daemon:";

    /// <summary>The one-line refusal for <paramref name="word"/> (a verb or an image reference); null when
    /// hpcrun has nothing against it.</summary>
    public static string? Refusal(string word) =>
        (Verbs.GetValueOrDefault(word) ?? ReferenceAdvice(word)) is { } advice
            ? $"'{Shown.Address(word)}' is not supported: {advice}" : null;

    /// <summary>Throws the refusal for <paramref name="word"/>, if hpcrun has one.</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>).</exception>
    public static void Check(string word)
    {
        if (Refusal(word) is { } refusal) throw new HpcRunException(ExitCode.Usage, refusal);
    }

    /// <summary>Throws the refusal for <paramref name="image"/> when it is a reference of a scheme hpcrun lacks
    /// (library://, docker-daemon:...), for the verbs that take an image, which may have a verb's name: the same
    /// line as a launch gives.</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>).</exception>
    public static void CheckReference(string image)
    {
        if (ReferenceAdvice(image) is not null) Check(image);
    }

    /// <summary>What to do instead of reading the Docker daemon's <paramref name="image"/>: save it into an archive
    /// (where Docker is), then <paramref name="then"/>.</summary>
    public static string DockerSave(string image, string then) =>
        $"hpcrun reads no Docker daemon: `docker save {Shown.Visible(ShellWords.Quote(image))} -o image.tar`, " +
        $"then {then}";

    /// <summary>The advice for <paramref name="word"/> when it is a reference of a scheme hpcrun lacks; null for
    /// another word. docker-daemon:IMG's gives the build that makes a SIF of the saved archive.</summary>
    private static string? ReferenceAdvice(string word) =>
        word.StartsWith(DockerDaemon, StringComparison.Ordinal)
            ? DockerSave(word[DockerDaemon.Length..],
                $"`{ArchiveBuild.Command("docker-archive:image.tar", "image.tar", Path.Exists).Command}`")
            : References.FirstOrDefault(r => word.StartsWith(r.Scheme, StringComparison.Ordinal)).Advice;
}
