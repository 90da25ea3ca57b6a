namespace HpcRun.Build.Recipe;

/// <summary>What a Dockerfile's USER (or a base image's configured user) means in hpcrun's build, which differs from
/// Docker's: the image records the user (inspect shows it), but every RUN (a definition file's %post too) runs as
/// the emulated root of the build's user namespace (uid 0: there is no other uid to switch to without privileges),
/// and a job runs as whoever starts it. A recipe that expects `USER nobody`, or a base image's user, to change RUN's
/// identity would otherwise build silently as root; one whose user changes nothing that runs says nothing.</summary>
public static class UserInstruction
{
    /// <summary>The warning the build gives at a <paramref name="keyword"/> step (RUN, %post) that runs while the
    /// image's user is <paramref name="user"/> (`NAME[:GROUP]`, as the config holds it), set by a USER of the stage
    /// or (<paramref name="fromBase"/>) by its base image; null for none and for root (`root`, `0`, with any group),
    /// as which RUN runs as it would in Docker.</summary>
    public static string? Warning(string keyword, string user, bool fromBase)
    {
        string name = user.Split(':')[0];
        if (name is "" or "root" or "0") return null;
        string set = fromBase ? $"the user {user} its base image sets" : $"USER {user}";
        return $"{keyword} runs as root here, not as {set} (uid 0 in the build's user namespace: hpcrun has no " +
            "other uid to switch to); the image records the user, and jobs run as whoever starts them";
    }
}
