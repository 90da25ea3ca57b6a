using HpcRun.Image.Posix;
using HpcRun.Image.Text;

namespace HpcRun.CommandLine;

/// <summary>An --env-file as `hpcrun run` reads it on the node and `hpcrun submit` on the submit host.</summary>
public static class EnvFile
{
    /// <summary>The file's text (<see cref="SmallTextFile"/>); <paramref name="origin"/> names where the path came
    /// from (--env-file, APPTAINER_ENV_FILE), so that a variable a job script set is found.</summary>
    /// <exception cref="HpcRunException">73 (<see cref="ExitCode.BadEnvironmentFile"/>) when it cannot be opened or
    /// is not a file.</exception>
    public static string Read(string file, string origin) =>
        SmallTextFile.TryRead(file, out int errno) ?? throw new HpcRunException(ExitCode.BadEnvironmentFile,
            $"{origin}: cannot read env file {Shown.Path(file)}: {SmallTextFile.WhyUnreadable(errno)}");
}
