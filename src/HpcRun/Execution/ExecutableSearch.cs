namespace HpcRun.Execution;

/// <summary>Looks a program up on the host's PATH.</summary>
internal static class ExecutableSearch
{
    public static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
