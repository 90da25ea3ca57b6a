using System.Text.RegularExpressions;
using HpcRun.Image;

namespace HpcRun.Build.Recipe;

/// <summary>Judges what unsquashfs (squashfs-tools 4.5) said when it unpacked a base image: the errors it may leave
/// behind are those of an unprivileged user, a device node it cannot make ("could not create character device ...,
/// because you're not superuser!", exit status 2), which a build leaves out with a warning, as it leaves out a
/// layer's. Anything else is a tree with files missing, which a build must not go on with: a data or metadata block
/// that cannot be read or decompressed is a damaged image (<see cref="ImageFormatException"/>, 65), a full disk
/// <see cref="BuildFailure.DiskFull"/>, any other error a failed step (<see cref="ImageBuildException"/>, 71).
/// Exit statuses: unsquashfs(1), 0 success, 1 fatal errors, 2 errors it went on after.</summary>
internal static partial class UnsquashfsErrors
{
    /// <summary>Throws for what unsquashfs of <paramref name="shown"/> (as messages name it) into
    /// <paramref name="tree"/> reported: its <paramref name="status"/> and its <paramref name="errors"/> (stderr,
    /// one message a line); returns when the tree is whole but for device nodes, each counted in
    /// <paramref name="skipped"/>.</summary>
    public static void Check(int status, string errors, string shown, string tree, SkippedEntries skipped)
    {
        string[] lines = Lines(errors);
        foreach (string line in lines)
            if (DeviceNode().Match(line) is { Success: true } device)
                skipped.AddDevice(InImage(device.Groups["path"].Value, tree), device.Groups["kind"].Value == "block");
        Judge(status, [.. lines.Where(line => !line.Contains("you're not superuser"))], shown, tree, "unpack");
    }

    /// <summary>Throws for what unsquashfs reported when it read all of <paramref name="shown"/> and wrote nothing
    /// (<see cref="SquashFsCheck"/>), as <see cref="Check"/> does; returns when every block could be read.</summary>
    public static void CheckRead(int status, string errors, string shown) =>
        Judge(status, Lines(errors), shown, "", "read");

    private static string[] Lines(string errors) => [.. errors.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => line.Trim()).Where(line => line.Length > 0)];

    private static void Judge(int status, string[] serious, string shown, string tree, string doing)
    {
        if (status == 0 || status == 2 && serious.Length == 0) return;
        string first = serious.Length == 0 ? $"unsquashfs exited with status {status}" : Detail(serious, tree);
        if (serious.Select(ImageBuildException.FullIn).FirstOrDefault(w => w is not null) is { } full)
            throw new ImageBuildException($"cannot {doing} {shown}: {full}", BuildFailure.DiskFull);
        if (serious.Any(Damaged))
            throw new ImageFormatException($"{shown}: damaged SquashFS: {first}");
        throw new ImageBuildException($"cannot {doing} {shown}: {first}");
    }

    /// <summary>The line that says most: one naming the file that was lost (unsquashfs's "failed to
    /// read/uncompress file PATH"), with the image's path for the scratch tree's, else the first.</summary>
    private static string Detail(string[] serious, string tree)
    {
        string line = serious.FirstOrDefault(l => l.Contains(" file ", StringComparison.Ordinal)) ?? serious[0];
        line = line.Replace("FATAL ERROR: ", "", StringComparison.Ordinal);
        // Reading without unpacking, unsquashfs names a file from the root as //bin/busybox.
        return tree.Length == 0 ? line.Replace(" //", " /", StringComparison.Ordinal)
            : line.Replace(tree.TrimEnd('/') + "/", "/", StringComparison.Ordinal);
    }

    /// <summary><paramref name="path"/>, in <paramref name="tree"/>, as the image names it (dev/null).</summary>
    private static string InImage(string path, string tree) =>
        path.StartsWith(tree.TrimEnd('/') + "/", StringComparison.Ordinal) ? path[(tree.TrimEnd('/').Length + 1)..]
            : path;

    [GeneratedRegex("could not create (?<kind>character|block) device (?<path>.+), because you're not superuser")]
    private static partial Regex DeviceNode();

    /// <summary>Whether <paramref name="line"/> says the image cannot be read: a block that does not decompress
    /// ("gzip uncompress failed", "failed to read/uncompress file"), a read past its end or a bad table
    /// ("read_block: failed to read", "corrupted").</summary>
    private static bool Damaged(string line) =>
        line.Contains("uncompress", StringComparison.OrdinalIgnoreCase)
        || line.Contains("failed to read", StringComparison.OrdinalIgnoreCase)
        || line.Contains("corrupt", StringComparison.OrdinalIgnoreCase);
}
