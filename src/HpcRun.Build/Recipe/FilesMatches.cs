namespace HpcRun.Build.Recipe;

/// <summary>
/// Where a %files line's several matches (`%files data/* /opt/new`) land when its destination is not a directory:
/// Apptainer's CopyFromHost (internal/pkg/build/files/copy.go) runs `cp -fLr MATCH DEST` once per match, in the
/// glob's (sorted) order, so each copy meets what the one before made. A missing DEST becomes a copy of the first
/// match: a directory it then is takes the other matches by their names; a file is overwritten by each file after it
/// (the last one stays), and `cp -r` refuses to put a directory onto it ("cannot overwrite non-directory"), as it
/// refuses onto a file the image has.
/// </summary>
internal static class FilesMatches
{
    public enum Outcome
    {
        /// <summary>The first match is copied as DEST (a directory), the others into it by their names.</summary>
        FirstThenInto,
        /// <summary>Only the last match (a file) is left, as DEST.</summary>
        LastFile,
        /// <summary>The match at the index is a directory that would be copied onto a file: refused.</summary>
        DirectoryOntoFile,
    }

    /// <summary>The outcome for matches that are directories or not (<paramref name="directories"/>, in order, two
    /// at least) and a destination that is not a directory, <paramref name="exists"/> (a file of the image) or not;
    /// with <see cref="Outcome.DirectoryOntoFile"/>, the index of the directory refused.</summary>
    public static (Outcome Outcome, int Index) Plan(IReadOnlyList<bool> directories, bool exists)
    {
        if (!exists && directories[0]) return (Outcome.FirstThenInto, 0);
        int directory = directories.Select((d, i) => d ? i : -1).FirstOrDefault(i => i >= 0, -1);
        return directory >= 0 ? (Outcome.DirectoryOntoFile, directory) : (Outcome.LastFile, directories.Count - 1);
    }
}
