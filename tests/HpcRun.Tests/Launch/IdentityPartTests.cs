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
    public void FakeRootKeepsTheImageRootEntry()
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
}
