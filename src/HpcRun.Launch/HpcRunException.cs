namespace HpcRun;

/// <summary>A failure that hpcrun reports as one line on stderr and a documented exit status.</summary>
public class HpcRunException(ExitCode code, string message) : Exception(message)
{
    public ExitCode Code { get; } = code;

    /// <summary>Its line was written already, by what saw the failure first (the image's serving thread said that
    /// the image is damaged): ending with <see cref="Code"/> is what is left to do.</summary>
    public bool Said { get; init; }
}
