using HpcRun.Build.Tar;

namespace HpcRun.Build;

/// <summary>
/// Where <see cref="LayerFlattener"/> applies a layer's entries: a directory on disk (<see cref="TreeWriter"/>) or a
/// file system held in memory for the SquashFS writer (<see cref="SquashFs.FsTreeWriter"/>). Both clean each path
/// (<see cref="Image.Posix.RootDir.Clean"/>) and resolve it inside their root as <see cref="Image.Posix.RootDir"/>
/// does, and make of each entry what <see cref="LayerEntry"/> says, so that both give the same image.
/// </summary>
internal interface ILayerTarget
{
    /// <summary>Writes <paramref name="entry"/>, its data read from <paramref name="tar"/>; returns its path in the
    /// root (symlinks resolved, no leading "/", "" for the root), or null when it was skipped.
    /// <paramref name="source"/> names the archive in warnings.</summary>
    string? Write(TarHeader entry, TarArchiveReader tar, string source, CancellationToken cancel);

    /// <summary>Removes <paramref name="path"/> (a whiteout's target) whatever it is, its parents' symlinks
    /// followed.</summary>
    void Remove(string path);

    /// <summary>Removes what is in the directory <paramref name="path"/> (symlinks followed) except the paths in the
    /// root <paramref name="keep"/> accepts (an opaque whiteout: what lower layers put there goes); nothing when it is
    /// not a directory.</summary>
    void Empty(string path, Func<string, bool> keep);

    /// <summary>Called once every layer is applied.</summary>
    void Finish();
}
