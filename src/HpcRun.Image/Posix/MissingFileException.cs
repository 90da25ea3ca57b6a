namespace HpcRun.Image.Posix;

/// <summary>A file hpcrun looked for is not there, said in hpcrun's own words (<see cref="Exception.Message"/> is
/// the line for the user). A subclass, so that what catches FileNotFoundException still catches it, and so that a
/// catch-all can tell it from .NET's own FileNotFoundException, whose text ("Could not find file '/x'.") is not for
/// users (<see cref="IoError.Message"/>).</summary>
public sealed class MissingFileException(string message, string path) : FileNotFoundException(message, path);
