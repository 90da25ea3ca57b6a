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
    public static readonly string[] ModeWords = ["host", "container", "none"];
    public static readonly string[] CompatibilityWords = ["major", "full", "strict"];

    public static MpiMode? ParseMode(string word) => ModeWords.Contains(word) ? Enum.Parse<MpiMode>(word, ignoreCase: true) : null;

    public static MpiCompatibility? ParseCompatibility(string word) =>
        CompatibilityWords.Contains(word) ? Enum.Parse<MpiCompatibility>(word, ignoreCase: true) : null;
}
