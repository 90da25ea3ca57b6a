using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>USER (or a base image's user) names who jobs of the image would run as in Docker; here RUN and %post
/// still run as the build's emulated root, which the build says at the first that runs so (README, "Building from
/// recipes"), except for root itself and no user.</summary>
public class UserInstructionTests
{
    [Theory]
    [InlineData("nobody"), InlineData("1000"), InlineData("1000:1000"), InlineData("app:root")]
    public void Another_user_than_root_is_said_to_leave_run_as_root(string user)
    {
        Assert.Equal($"RUN runs as root here, not as USER {user} (uid 0 in the build's user namespace: hpcrun has " +
            "no other uid to switch to); the image records the user, and jobs run as whoever starts them",
            UserInstruction.Warning("RUN", user, fromBase: false));
        Assert.StartsWith($"%post runs as root here, not as the user {user} its base image sets (uid 0 ",
            UserInstruction.Warning("%post", user, fromBase: true));
    }

    [Theory]
    [InlineData("root"), InlineData("0"), InlineData("0:0"), InlineData("root:wheel"), InlineData("")]
    public void Root_is_what_run_runs_as_and_says_nothing(string user)
    {
        Assert.Null(UserInstruction.Warning("RUN", user, fromBase: false));
        Assert.Null(UserInstruction.Warning("%post", user, fromBase: true));
    }
}
