using System.Net.Sockets;
using HpcRun.Group;
using HpcRun.Launch;

namespace HpcRun.Tests.Group;

/// <summary>The record a node group's first rank sends its members, field by field.</summary>
public class SharedContainerTests
{
    private static readonly ContainerRecord Record = new(new RecordedImage("0:42:1234+4096", "/images/caf\uDCE9.sif"),
        new IdMap(0, 0, 1001, 1002), WritableRoot: true,
    [
        new RecordedMount(MountKind.Bind, "/dev", "/dev", false, null),
        new RecordedMount(MountKind.Tmpfs, "/run", null, false, null),
        new RecordedMount(MountKind.GeneratedFile, "/etc/passwd", null, true, "0123456789abcdef"),
        // A Latin-1 name, not UTF-8 (RawText's escape of byte 0xE9), beside UTF-8 text.
        new RecordedMount(MountKind.Bind, "/data/caf\uDCE9", "/home/alice/caf\uDCE9 é", true, null),
    ]);

    /// <summary>A rank that connects in the instant a first rank stops accepting finds its connection reset: that
    /// is no greeting (it then sets the group's container up anew), not a failure of the rank.</summary>
    [Fact]
    public void AConnectionResetBeforeTheGreetingIsNoGreeting()
    {
        var address = new UnixDomainSocketEndPoint($"\0hpcrun-test-{Guid.NewGuid():N}");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(address);
        listener.Listen(1);
        using var member = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        member.Connect(address);
        listener.Dispose(); // closed with the member still queued: the kernel resets its connection

        Assert.Null(SharedContainer.ReceiveFrom(member));
    }

    [Fact]
    public void ARecordComesBackAsItWasSent()
    {
        ContainerRecord back = SharedContainer.Decode(SharedContainer.Encode(Record));
        Assert.Equal(Record.Image, back.Image);
        Assert.Equal(Record.Ids, back.Ids);
        Assert.Equal(Record.WritableRoot, back.WritableRoot);
        Assert.Equal(Record.Mounts, back.Mounts);
        Assert.Null(NodeSharing.FirstDifference(back, Record));
        ContainerRecord empty = Record with { WritableRoot = false, Mounts = [] };
        Assert.Null(NodeSharing.FirstDifference(SharedContainer.Decode(SharedContainer.Encode(empty)), empty));
    }

    /// <summary>The fast join's recipe rides after the record, for early.c; the C# side reads past it.</summary>
    [Fact]
    public void ARecipeAfterTheRecordLeavesTheRecordAsItWas()
    {
        byte[] encoded = SharedContainer.Encode(Record, [1, 2, 3]);
        Assert.Equal([1, 2, 3, 3, 0, 0, 0], encoded[^7..]);
        Assert.Equal(Record.Mounts, SharedContainer.Decode(encoded).Mounts);
    }

    [Fact]
    public void BytesItDidNotWriteAreRefusedWithOneLine()
    {
        byte[] encoded = SharedContainer.Encode(Record);
        foreach (byte[] bad in new[] { encoded[..^1], [.. encoded, 0], encoded[..10] })
        {
            var e = Assert.Throws<HpcRunException>(() => SharedContainer.Decode(bad));
            Assert.Equal(ExitCode.JoinFailed, e.Code);
            Assert.Contains("--no-join", e.Message);
        }
    }
}
