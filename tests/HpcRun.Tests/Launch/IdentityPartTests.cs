using HpcRun.Launch;
using HpcRun.Launch.Parts;

namespace HpcRun.Tests.Launch;

public class IdentityPartTests
{
    [Fact]
    public void TheUserIsAddedToTheImagePasswdReplacingClashes()
    {
        string image = "root:x:0:0:root:/root:/bin/sh\nalice:x:500:500::/home/old:/bin/sh\n" +
            "bob:x:1001:1001::/b:/bin/sh\ndaemon:x:1:1::/:/bin/false\n";
        string merged = IdentityPart.Merge(image, "alice:x:1001:100:Alice:/home/alice:/bin/bash",
            keepImageEntry: false);
        Assert.Equal("root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:/bin/false\n" +
            "alice:x:1001:100:Alice:/home/alice:/bin/bash\n", merged);
    }

    [Fact]
    public void LinesClashByNameOrIdWhereverTheIdEnds()
    {
        string image = "users:x:100:bob\nstaff:x:50\nodd:100\n#comment\nold:x:100\n";
        Assert.Equal("staff:x:50\nodd:100\n#comment\nusers:x:100:\n",
            IdentityPart.Merge(image, "users:x:100:", keepImageEntry: false));
    }

    [Fact]
    public void AnImageWithoutPasswdGetsOne()
    {
        var plan = PlanFixture.Plan(PlanFixture.Context());
        Assert.Contains(MountSpec.File("/etc/passwd", "alice:x:1001:100:Alice:/home/alice:/bin/bash\n"), plan.Mounts);
        Assert.Contains(MountSpec.File("/etc/group", "users:x:100:\n"), plan.Mounts);
    }

    [Fact]
    public void FakeRootKeepsTheImageRootEntryWithRootsHome()
    {
        var files = new Dictionary<string, string?>
        {
            ["/etc/passwd"] = "root:x:0:0:Super:/root:/bin/bash\n",
            ["/bin/sh"] = "",
        };
        var plan = PlanFixture.Plan(
            PlanFixture.Context(new LaunchRequest { Image = "i", FakeRoot = true }, files: files));
        Assert.Contains(MountSpec.File("/etc/passwd", "root:x:0:0:Super:/root:/bin/bash\n"), plan.Mounts);
        Assert.Contains(MountSpec.File("/etc/group", "root:x:0:\n"), plan.Mounts);
    }

    /// <summary>As Apptainer's passwd template: uid 0's entry keeps its name, gecos and shell, and gets the home the
    /// job has (/root, or -H's DST); an image without one gets root's, in place of a line that would clash.</summary>
    [Theory]
    [InlineData("toor:x:0:0:Super:/var/root:/bin/bash\nbin:x:1:1::/bin:/bin/false\n", "/root",
        "toor:x:0:0:Super:/root:/bin/bash\nbin:x:1:1::/bin:/bin/false\n")]
    [InlineData("bin:x:1:1::/bin:/bin/false\nroot:x:0:0::/root:/bin/sh\n", "/work",
        "bin:x:1:1::/bin:/bin/false\nroot:x:0:0::/work:/bin/sh\n")]
    [InlineData(null, "/root", "root:x:0:0:root:/root:/bin/sh\n")]
    [InlineData("bin:x:1:1::/bin:/bin/false\nroot:x:5:5::/r:/bin/sh\n", "/root",
        "bin:x:1:1::/bin:/bin/false\nroot:x:0:0:root:/root:/bin/sh\n")]
    [InlineData("root:x:0:0\n", "/root", "root:x:0:0:root:/root:/bin/sh\n")]
    public void TheRootEntryHasTheJobsHome(string? image, string home, string expected) =>
        Assert.Equal(expected, IdentityPart.RootPasswd(image, home));
}
