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

    /// <exception cref="FormatException">Not host, container or none (lower case).</exception>
    public static MpiMode ParseMode(string word) => Parse<MpiMode>(word, ModeWords);

    /// <exception cref="FormatException">Not major, full or strict (lower case).</exception>
    public static MpiCompatibility ParseCompatibility(string word) => Parse<MpiCompatibility>(word, CompatibilityWords);

    private static T Parse<T>(string word, string[] words) where T : struct, Enum =>
        words.Contains(word) ? Enum.Parse<T>(word, ignoreCase: true)
            : throw new FormatException($"expected one of {string.Join(", ", words)}, not '{word}'");
}
