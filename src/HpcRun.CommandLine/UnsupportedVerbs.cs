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
        return advice is null ? null : $"'{word}' is not supported: {advice}";
    }

    /// <summary>Throws the refusal for <paramref name="word"/>, if hpcrun has one.</summary>
    /// <exception cref="HpcRunException">64 (<see cref="ExitCode.Usage"/>).</exception>
    public static void Check(string word)
    {
        if (Refusal(word) is { } refusal) throw new HpcRunException(ExitCode.Usage, refusal);
    }

    /// <summary>The verb among <paramref name="verbs"/> that <paramref name="word"/> is a typo of: at most one
    /// edit (a letter added, dropped, changed, or two swapped) for short verbs, two for longer ones; null for
    /// none, or for a word that looks like a path or a file name.</summary>
    public static string? Suggestion(string word, IEnumerable<string> verbs)
    {
        if (word.Length < 3 || !word.All(c => char.IsAsciiLetterLower(c) || c == '-')) return null;
        return verbs.Select(v => (Verb: v, Distance: Distance(word, v)))
            .Where(c => c.Distance > 0 && c.Distance <= (c.Verb.Length <= 4 ? 1 : 2))
            .OrderBy(c => c.Distance).Select(c => c.Verb).FirstOrDefault();
    }

    /// <summary>Optimal string alignment distance: Levenshtein's with a swap of neighbours as one edit.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
