using HpcRun.Image.Posix;
using Serilog;

namespace HpcRun.CommandLine;

/// <summary>hpcrun's one line for an exception that no code of hpcrun turned into a message: .NET's own text
/// ("Could not find a part of the path '/x'.", "Object reference not set to an instance of an object.") and type
/// names are not for users, and a user cannot tell a bug from a fault of theirs in them.</summary>
public static class Unexpected
{
    /// <summary>The line for a genuine bug: what to do about it, .NET's detail in the --debug log.</summary>
    public const string InternalError = "internal error (a bug in hpcrun: run again with --debug and report it)";

    /// <summary>What to throw for <paramref name="e"/>: an <see cref="HpcRunException"/> as it is; a file operation
    /// that failed (<see cref="IOException"/>, <see cref="UnauthorizedAccessException"/>) as
    /// <paramref name="ioStatus"/> with the path and strerror(3)'s words (<see cref="IoError.Message"/>); anything
    /// else as <see cref="ExitCode.Internal"/> (70) with <see cref="InternalError"/>, whose .NET detail is logged at
    /// --debug for the bug report it asks for. A file operation's line says all there is (the path, strerror's
    /// words): .NET's text and type names stay out of --debug too.</summary>
    public static HpcRunException Error(Exception e, ExitCode ioStatus = ExitCode.SetupFailed)
    {
        if (e is HpcRunException ours) return ours;
        if (e is IOException or UnauthorizedAccessException) return new HpcRunException(ioStatus, IoError.Message(e));
        Log.Debug(e, "what .NET said");
        return new HpcRunException(ExitCode.Internal, InternalError);
    }

    /// <summary>Whether <paramref name="e"/> is an ArgumentException hpcrun threw for a bad value it was given
    /// (its message written for the user): the plain type without a parameter name. .NET's own (and a bug's
    /// ArgumentNullException, ArgumentOutOfRangeException) name the parameter or are of a subtype.</summary>
    public static bool IsOurs(ArgumentException e) => e.GetType() == typeof(ArgumentException) && e.ParamName is null;
}
