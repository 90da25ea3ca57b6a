namespace HpcRun.Mpi;

/// <summary>--mpi: which MPI a job uses.</summary>
public enum MpiMode
{
    /// <summary>The image's own MPI, wired to the launcher's PMI/PMIx (the hybrid model; the default).</summary>
    Container,
    /// <summary>The host's MPI bound over the image's, after the ABI checks (the bind model).</summary>
    Host,
    /// <summary>No MPI wiring at all.</summary>
    None,
}

/// <summary>Parses the MPI settings' words (the command line's and the site's HPCRUN_MPI*).</summary>
public static class MpiSettings
{
    public const string ModeVariable = "HPCRUN_MPI", CompatibilityVariable = "HPCRUN_MPI_COMPAT";
    private static readonly string[] ModeWords = ["host", "container", "none"];
    private static readonly string[] CompatibilityWords = ["major", "full", "strict"];

    /// <summary>Slurm's MPI plugin types (srun --mpi=list, Slurm 22.05: pmi2, pmix, pmix_v3, pmix_v4,
    /// cray_shasta), which a user who moves srun's --mpi after hpcrun, or looks for it in hpcrun submit, gives
    /// hpcrun's --mpi.</summary>
    private static bool IsSlurmPlugin(string word) => word.StartsWith("pmi") || word == "cray_shasta";

    /// <exception cref="FormatException">Not host, container or none (lower case); for one of Slurm's MPI plugin
    /// types, the message says where that goes.</exception>
    public static MpiMode ParseMode(string word)
    {
        try { return Parse<MpiMode>(word, ModeWords); }
        catch (FormatException e) when (IsSlurmPlugin(word))
        {
            throw new FormatException($"{e.Message}: {word} is srun's --mpi, which goes before hpcrun " +
                $"(srun --mpi={word} hpcrun IMAGE CMD); hpcrun submit's srun takes it from SLURM_MPI_TYPE={word}");
        }
    }

    /// <exception cref="FormatException">Not major, full or strict (lower case).</exception>
    public static MpiCompatibility ParseCompatibility(string word) => Parse<MpiCompatibility>(word, CompatibilityWords);

    private static T Parse<T>(string word, string[] words) where T : struct, Enum =>
        words.Contains(word) ? Enum.Parse<T>(word, ignoreCase: true)
            : throw new FormatException($"expected one of {string.Join(", ", words)}, not '{word}'");
}
