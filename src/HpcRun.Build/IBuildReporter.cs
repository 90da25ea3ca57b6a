namespace HpcRun.Build;

/// <summary>Where a build tells what it is doing: a progress bar on a terminal, plain lines otherwise.</summary>
public interface IBuildReporter
{
    /// <summary>Starts a step of <paramref name="total"/> units (bytes); null when its length is unknown.</summary>
    IBuildStep Step(string description, long? total);

    void Warning(string message);

    /// <summary>A detail that -v shows: why the build did without something that only saves time (the compressed
    /// blocks of an earlier image), which changes nothing in the image.</summary>
    void Note(string message);
}

/// <summary>A step of a build; disposed without <see cref="Done"/>, it failed.</summary>
public interface IBuildStep : IDisposable
{
    void Advance(long units);

    /// <summary>The step finished.</summary>
    void Done();
}
