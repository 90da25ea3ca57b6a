using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>USER names who jobs of the image would run as in Docker; here RUN still runs as the build's emulated
/// root, which the build says (README, "Building from recipes"), except for root itself.</summary>
public class UserInstructionTests
{
    [Theory]
    [InlineData("nobody"), InlineData("1000"), InlineData("1000:1000"), InlineData("app:root")]
    public void Another_user_than_root_is_said_to_leave_run_as_root(string user) =>
        Assert.Equal($"USER {user}: recorded in the image, but RUN steps still run as root here (uid 0 in the " +
            "build's user namespace: hpcrun has no other uid to switch to), and jobs run as whoever starts them",
            UserInstruction.Warning(user));

    [Theory]
    [InlineData("root"), InlineData("0"), InlineData("0:0"), InlineData("root:wheel")]
    public void Root_is_what_run_runs_as_and_says_nothing(string user) => Assert.Null(UserInstruction.Warning(user));
}
