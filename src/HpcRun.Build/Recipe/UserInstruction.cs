namespace HpcRun.Build.Recipe;

/// <summary>What a Dockerfile's USER means in hpcrun's build, which differs from Docker's: the image records the user
/// (inspect shows it), but every later RUN still runs as the emulated root of the build's user namespace (uid 0:
/// there is no other uid to switch to without privileges), and a job runs as whoever starts it. A recipe that
/// expects `USER nobody` to change RUN's identity would otherwise build silently as root.</summary>
public static class UserInstruction
{
    /// <summary>The warning the build gives at a USER naming <paramref name="user"/> (expanded, `NAME[:GROUP]`); null
    /// for root (`root`, `0`, with any group), under which RUN runs as it would in Docker.</summary>
    public static string? Warning(string user)
    {
        string name = user.Split(':')[0];
        if (name is "root" or "0") return null;
        return $"USER {user}: recorded in the image, but RUN steps still run as root here (uid 0 in the build's user " +
            "namespace: hpcrun has no other uid to switch to), and jobs run as whoever starts them";
    }
}
