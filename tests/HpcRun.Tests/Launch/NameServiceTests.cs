using HpcRun.Host;
using HpcRun.TestSupport;

namespace HpcRun.Tests.Launch;

/// <summary>The user and group entries hpcrun copies into the container, as the C library's name service
/// gives them.</summary>
public class NameServiceTests
{
    [Fact]
    public void FindsTheTestUserAsGetentDoes()
    {
        string[] fields = TestEnvironment.RunChecked("getent", "passwd", TestEnvironment.User).Trim().Split(':');
        NameService.User? user = NameService.FindUser(int.Parse(fields[2]));
        Assert.NotNull(user);
        Assert.Equal(new NameService.User(fields[0], int.Parse(fields[3]), fields[4], fields[5], fields[6]), user);
        string group = TestEnvironment.RunChecked("getent", "group", fields[3]).Split(':')[0];
        Assert.Equal(group, NameService.FindGroupName(int.Parse(fields[3])));
    }

    [Fact]
    public void RootIsRoot()
    {
        Assert.Equal("/root", NameService.FindUser(0)?.Home);
        Assert.Equal("root", NameService.FindGroupName(0));
    }

    [Fact]
    public void UnknownIdsAreNull()
    {
        Assert.Null(NameService.FindUser(2_000_000_001));
        Assert.Null(NameService.FindGroupName(2_000_000_001));
    }
}
