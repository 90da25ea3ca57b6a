using System.Formats.Tar;
using System.IO.Compression;
using HpcRun.TestSupport;
using ZstdCompressionStream = SharpCompress.Compressors.ZStandard.CompressionStream;

namespace HpcRun.Image.Tests.Fixtures;

public enum Compression { None, Gzip, Zstd, Xz }

/// <summary>Crafts layer tars entry by entry, hostile ones included (absolute names, "..", links out).</summary>
public sealed class LayerTar
{
    private readonly MemoryStream tar = new();
    private readonly TarWriter writer;

    public LayerTar() => writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true);

    public LayerTar Dir(string name, UnixFileMode mode = (UnixFileMode)0b111_101_101) =>
        Add(new PaxTarEntry(TarEntryType.Directory, name) { Mode = mode });

    public LayerTar File(string name, string content, UnixFileMode mode = (UnixFileMode)0b110_100_100) =>
        Add(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = mode,
            DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
        });

    public LayerTar Symlink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });

    public LayerTar HardLink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target });

    public LayerTar Device(string name) =>
        Add(new PaxTarEntry(TarEntryType.CharacterDevice, name) { DeviceMajor = 1, DeviceMinor = 3 });

    public LayerTar Fifo(string name) => Add(new PaxTarEntry(TarEntryType.Fifo, name));

    private LayerTar Add(TarEntry entry)
    {
        writer.WriteEntry(entry);
        return this;
    }

    public byte[] Bytes(Compression compression = Compression.None)
    {
        writer.Dispose();
        byte[] plain = tar.ToArray();
        var output = new MemoryStream();
        switch (compression)
        {
            case Compression.None: return plain;
            case Compression.Gzip:
                using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(plain);
                break;
            case Compression.Zstd:
                using (var zs = new ZstdCompressionStream(output, 3, leaveOpen: true)) zs.Write(plain);
                break;
            case Compression.Xz: return Xz(plain);
        }
        return output.ToArray();
    }

    public string WriteTo(string path, Compression compression = Compression.None)
    {
        System.IO.File.WriteAllBytes(path, Bytes(compression));
        return path;
    }

    private static byte[] Xz(byte[] plain)
    {
        string temp = Path.GetTempFileName();
        System.IO.File.WriteAllBytes(temp, plain);
        TestEnvironment.RunChecked("xz", "-f", "-T1", temp);
        byte[] compressed = System.IO.File.ReadAllBytes(temp + ".xz");
        System.IO.File.Delete(temp + ".xz");
        return compressed;
    }
}
