using HpcRun.Build.Tar;
using HpcRun.Image.Text;

namespace HpcRun.Build;

/// <summary>
/// The entries of one layer or archive that an image does not keep (device nodes, FIFOs, unknown types), which its
/// <see cref="ILayerTarget"/> skips, or the device nodes of a recipe's SquashFS, SIF or directory base that its
/// unpacking or copy could not make: told in one warning once the layer is applied or the base unpacked, naming a
/// few, as a directory source's are (<see cref="DirectoryScan"/>), since a root file system's /dev alone holds a
/// dozen.
/// </summary>
internal sealed class SkippedEntries(string source)
{
    private const int Named = 5;
    private readonly List<TarHeader> skipped = [];

    /// <summary>Counts <paramref name="entry"/> when it is of a kind the targets skip.</summary>
    public void Add(TarHeader entry)
    {
        if (entry.Kind is not (TarKind.File or TarKind.Directory or TarKind.Symlink or TarKind.HardLink))
            skipped.Add(entry);
    }

    /// <summary>Counts the device node at <paramref name="name"/> (its path in the image) that unpacking or copying a
    /// base image could not make: a plain user makes none.</summary>
    public void AddDevice(string name, bool block) => skipped.Add(new TarHeader(
        block ? TarKind.BlockDevice : TarKind.CharacterDevice, block ? '4' : '3', name, "", 0, 0, 0, 0));

    /// <summary>Warns of the entries counted, if any.</summary>
    public void Report(IBuildReporter reporter)
    {
        if (skipped.Count == 0) return;
        if (skipped.Count == 1) { reporter.Warning(LayerEntry.Skipped(source, skipped[0])); return; }
        string what = skipped.All(e => e.Kind != TarKind.Other) ? "device nodes or FIFOs"
            : "device nodes, FIFOs or entries of unsupported types";
        var named = skipped.Select(e => e.Name).Order(StringComparer.Ordinal).Take(Named).Select(Shown.Path);
        string more = skipped.Count > Named ? $" and {skipped.Count - Named} more" : "";
        reporter.Warning($"{source}: skipped {skipped.Count} {what} (an image keeps none): " +
            $"{string.Join(", ", named)}{more}");
    }
}
