namespace HpcRun.Image;

/// <summary>An image file is malformed: the one exception type the format readers throw for bad input.</summary>
public sealed class ImageFormatException(string message) : Exception(message);
