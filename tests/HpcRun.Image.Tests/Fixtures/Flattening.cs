using HpcRun.Build;
using HpcRun.Build.SquashFs;
using HpcRun.Image.Posix;

namespace HpcRun.Image.Tests.Fixtures;

/// <summary>Layers applied into a <see cref="Sandbox"/>'s root, as `hpcrun build` does before mksquashfs, or
/// (<paramref name="inMemory"/>) into the tree in memory that the SquashFS writer takes, then written out into the root
/// (<see cref="FsTreeOnDisk"/>); the root's files looked at through descriptors (names of any bytes, paths of any
/// length).</summary>
internal sealed class Flattening(bool inMemory = false) : IDisposable
{
    private int layers;

    public Sandbox Sandbox { get; } = new();
    public RecordingReporter Reporter { get; } = new();

    public void Dispose() => Sandbox.Dispose();

    public void Apply(params LayerTar[] tars) => Apply([.. tars.Select(t => t.Bytes())]);

    public void Apply(params byte[][] tars) => Apply([.. tars.Select(Blob)]);

    public void Apply(params LayerBlob[] blobs)
    {
        using RootDir root = RootDir.Open(Libc.Cwd, Sandbox.Root)!;
        if (!inMemory)
        {
            new LayerFlattener(root, Reporter, DefaultTime).Apply(blobs);
            return;
        }
        var tree = new FsTreeWriter(Memory.Store, Reporter, DefaultTime);
        new LayerFlattener(tree, Reporter).Apply(blobs);
        Memory.Write(tree.Root, root);
    }

    /// <summary>What the in-memory tree stored.</summary>
    public FsTreeOnDisk Memory { get; } = new();

    private LayerBlob Blob(byte[] tar)
    {
        string path = Sandbox.File($"layer{++layers}.tar");
        File.WriteAllBytes(path, tar);
        return FileBlob(path, null, null, $"layer {layers}");
    }

    /// <summary>A layer in a file of the test's.</summary>
    public static LayerBlob FileBlob(string path, string? digest, string? diffId, string name) =>
        new(() => File.OpenRead(path), new FileInfo(path).Length, digest, diffId, name);

    /// <summary>The time given to directories no entry describes.</summary>
    public long DefaultTime { get; set; }

    public string InRoot(string path) => Path.Combine(Sandbox.Root, path);

    /// <summary>What is at <paramref name="path"/> in the root (no symlink followed), or null.</summary>
    internal Libc.Statx? Stat(string path)
    {
        using RootDir root = RootDir.Open(Libc.Cwd, Sandbox.Root)!;
        using Location? at = root.Resolve(path, RootDir.Follow.None);
        return at?.Stat();
    }

    public long Mtime(string path) => Stat(path)!.Value.Mtime.Seconds;

    public UnixFileMode Mode(string path) => (UnixFileMode)(Stat(path)!.Value.Mode & 0xFFF);
}
