using HpcRun.Image.Text;

namespace HpcRun.Image;

/// <summary>An image file is malformed: the one exception type the format readers throw for bad input.</summary>
public sealed class ImageFormatException(string message) : Exception(message)
{
    /// <summary>This error with the image's <paramref name="path"/> before its message, unless the message names it
    /// already: a reader says what is wrong, its caller which file it read.</summary>
    public ImageFormatException Naming(string path) =>
        Message.Contains(Shown.Path(path), StringComparison.Ordinal) ? this : new($"{Shown.Path(path)}: {Message}");
}
