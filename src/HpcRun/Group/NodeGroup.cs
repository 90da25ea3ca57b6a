using System.Net.Sockets;
using System.Runtime.InteropServices;
using HpcRun.Apply;
using HpcRun.Host;
using HpcRun.Image.Text;
using HpcRun.Launch;
using HpcRun.Native;
using Serilog;

namespace HpcRun.Group;

/// <summary>
/// The ranks on this node that share one container (<see cref="NodeSharing"/>). They meet
/// at an abstract Unix socket named after the group: abstract names live in the network
/// namespace (one per node), vanish with their holder (nothing to clean up), and binding one is
/// atomic, so exactly one rank becomes the first and the others connect to it, however many start
/// at the same instant. Native/early.c holds that election before the runtime starts, so the first rank
/// enters its namespace there; it sets the container up, then greets each connection
/// (<see cref="SharedContainer"/>); the others run their jobs
/// in its namespaces and keep their connection open until they end. The first rank stays until
/// the last connection closes, so the mount outlives every rank, whichever order they end in.
/// </summary>
internal abstract record NodeRole
{
    /// <summary>A container of this rank's own.</summary>
    public sealed record Own : NodeRole;

    /// <summary>This rank sets the container up and keeps it for the others.</summary>
    public sealed record First(Socket Listener) : NodeRole;

    /// <summary>This rank joins the container of the first rank (<paramref name="Pid"/>).</summary>
    public sealed record Member(int Pid, Socket Connection, SharedContainer Container) : NodeRole;
}

/// <summary>What the first rank hands each member over their socket: its user and mount namespaces
/// and the image as it mounted it, as descriptors (the first rank's /proc entries are closed to
/// others: it is not dumpable), and its record (<see cref="NodeSharing.Record"/>), which the
/// member compares with its own decision.</summary>
internal sealed partial record SharedContainer(int UserNamespace, int MountNamespace, int Image, ContainerRecord Record)
{
    /// <summary>This process's container, for the members.</summary>
    public static SharedContainer OfThisProcess(ContainerRecord record) => new(
        Syscalls.Open("/proc/self/ns/user", Syscalls.O_RDONLY | Syscalls.O_CLOEXEC),
        Syscalls.Open("/proc/self/ns/mnt", Syscalls.O_RDONLY | Syscalls.O_CLOEXEC),
        Syscalls.Open(Staging.Lower, Syscalls.O_PATH | Syscalls.O_DIRECTORY | Syscalls.O_CLOEXEC), record);

    /// <summary>The greeting (Native/hpcrun.h: HPCRUN_GREETING): <see cref="NodeGroup.Ready"/>, the length (int32) of
    /// what follows: the record (<see cref="Encode"/>), the fast join's <paramref name="recipe"/>
    /// (<see cref="JoinRecipe"/>; empty: none) and its length (uint32); with the three descriptors (SCM_RIGHTS) on
    /// its first byte.</summary>
    public void SendTo(Socket member, byte[] recipe)
    {
        byte[] record = Encode(Record, recipe);
        byte[] greeting = [NodeGroup.Ready, .. BitConverter.GetBytes(record.Length), .. record];
        Syscalls.SendWithDescriptors((int)member.Handle, greeting, [UserNamespace, MountNamespace, Image]);
    }

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct Greeting // Native/hpcrun.h: struct hpcrun_greeting
    {
        public byte* Bytes;
        public int Length;
        public int Fd0, Fd1, Fd2;
    }

    [LibraryImport("hpcrun_early", EntryPoint = "hpcrun_early_greeting", SetLastError = true)]
    private static unsafe partial int EarlyGreeting(Greeting* greeting);

    /// <summary>The greeting early.c read for a member it elected (<see cref="ReceiveFrom"/> says what null
    /// means).</summary>
    public static unsafe SharedContainer? ReceivedEarly()
    {
        Greeting greeting;
        switch (EarlyGreeting(&greeting))
        {
            case 0: return null;
            case < 0:
                throw Marshal.GetLastSystemError() != 0
                    ? SetupException.FromErrno("receiving the node's first rank's greeting")
                    : new SetupException("the node's first rank left while greeting");
        }
        try
        {
            byte[] bytes = new ReadOnlySpan<byte>(greeting.Bytes, greeting.Length).ToArray();
            return new SharedContainer(greeting.Fd0, greeting.Fd1, greeting.Fd2, Decode(bytes));
        }
        finally { NativeMemory.Free(greeting.Bytes); }
    }

    /// <summary>The first rank's greeting, or null when it closed without one (it gave up).</summary>
    public static SharedContainer? ReceiveFrom(Socket first)
    {
        Span<byte> head = stackalloc byte[5];
        int read = Syscalls.ReceiveWithDescriptors((int)first.Handle, head, out int[] fds);
        if (read == 0 || head[0] != NodeGroup.Ready || fds.Length != 3)
        {
            foreach (int fd in fds) Syscalls.Close(fd);
            return null;
        }
        while (read < head.Length) read += ReceiveSome(first, head[read..]);
        var record = new byte[BitConverter.ToInt32(head[1..])];
        for (int at = 0; at < record.Length;) at += ReceiveSome(first, record.AsSpan(at));
        return new SharedContainer(fds[0], fds[1], fds[2], Decode(record));
    }

    private static int ReceiveSome(Socket first, Span<byte> into) =>
        first.Receive(into) is > 0 and int n ? n
            : throw new SetupException("the node's first rank left while greeting");

    /// <summary>A record as bytes, field by field, in host byte order (both ends are ranks on one
    /// node): the image's identity and name (strings), the four ids (int32 each: inside uid, gid, outside uid, gid),
    /// the root's writability (one byte), the number of mounts (int32), then each mount's kind (int32), target, source,
    /// read-only flag (one byte) and content digest. A string is a presence byte, then its length
    /// (int32) and bytes (<see cref="RawText"/>: a path that is not UTF-8 passes exactly); then the fast join's
    /// <paramref name="recipe"/> (none: empty) and its length (uint32).</summary>
    internal static byte[] Encode(ContainerRecord record, byte[]? recipe = null)
    {
        using var bytes = new MemoryStream();
        using (var writer = new BinaryWriter(bytes))
        {
            Write(writer, record.Image.Identity);
            Write(writer, record.Image.Name);
            IdMap ids = record.Ids;
            foreach (int id in new[] { ids.InsideUid, ids.InsideGid, ids.OutsideUid, ids.OutsideGid }) writer.Write(id);
            writer.Write(record.WritableRoot);
            writer.Write(record.Mounts.Count);
            foreach (RecordedMount mount in record.Mounts)
            {
                writer.Write((int)mount.Kind);
                Write(writer, mount.Target);
                Write(writer, mount.Source);
                writer.Write(mount.ReadOnly);
                Write(writer, mount.ContentDigest);
            }
            writer.Write(recipe ?? []);
            writer.Write((uint)(recipe?.Length ?? 0));
        }
        return bytes.ToArray();
    }

    /// <summary>The record <see cref="Encode"/> wrote, followed by a recipe and its length (uint32), which
    /// only early.c reads. Throws <see cref="HpcRunException"/> (78) for bytes it did not write (a first rank of
    /// another hpcrun version).</summary>
    internal static ContainerRecord Decode(byte[] encoded)
    {
        using var reader = new BinaryReader(new MemoryStream(encoded));
        try
        {
            var image = new RecordedImage(ReadString(reader) ?? "", ReadString(reader) ?? "");
            var ids = new IdMap(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
            bool writableRoot = reader.ReadBoolean();
            var mounts = new RecordedMount[Count(reader, encoded.Length)];
            for (int i = 0; i < mounts.Length; i++)
                mounts[i] = new RecordedMount((MountKind)reader.ReadInt32(), ReadString(reader)!, ReadString(reader),
                    reader.ReadBoolean(), ReadString(reader));
            long rest = encoded.Length - reader.BaseStream.Position;
            if (rest < 4 || BitConverter.ToUInt32(encoded, encoded.Length - 4) != rest - 4)
                throw new InvalidDataException("no recipe's length at the end");
            return new ContainerRecord(image, ids, writableRoot, mounts);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new HpcRunException(ExitCode.JoinFailed, "the node's first rank described its container in a form " +
                "this hpcrun cannot read (another version of hpcrun?): give every rank the same hpcrun, " +
                "or use --no-join");
        }
    }

    private static void Write(BinaryWriter writer, string? text)
    {
        writer.Write(text is not null);
        if (text is null) return;
        byte[] bytes = RawText.Encode(text);
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static string? ReadString(BinaryReader reader)
    {
        if (!reader.ReadBoolean()) return null;
        int length = Count(reader, (int)reader.BaseStream.Length);
        byte[] bytes = reader.ReadBytes(length);
        return bytes.Length == length ? RawText.Decode(bytes) : throw new EndOfStreamException();
    }

    /// <summary>A count of items that each take at least a byte of <paramref name="limit"/>.</summary>
    private static int Count(BinaryReader reader, int limit) =>
        reader.ReadInt32() is >= 0 and var count && count <= limit
            ? count : throw new InvalidDataException("count out of range");
}

internal static class NodeGroup
{
    private const string ListenerVariable = "HPCRUN_GROUP_FD";
    internal const byte Ready = (byte)'R';
    private const int Attempts = 1000;

    /// <summary>This rank's role in its node group (<see cref="NodeSharing.GroupName"/>), elected by early.c before
    /// the runtime started (<see cref="EarlyNamespace.Group"/>): the first rank is in its namespace already, a
    /// member connected. Only when that election did not finish, or the first rank gave up before greeting, is it
    /// held here from hpcrun's raw arguments, before the command line is parsed and the image probed: a rank that
    /// then needs a namespace of its own re-executes hpcrun at once (and this does not return), so that the first
    /// rank reads its command line and image once, in the namespace.</summary>
    public static NodeRole Elect()
    {
        switch (EarlyNamespace.Group)
        {
            case EarlyNamespace.GroupRole.First:
                Log.Debug("node group: first rank");
                return new NodeRole.First(Adopt(EarlyNamespace.GroupFd()));
            case EarlyNamespace.GroupRole.Member:
                if (Join(Adopt(EarlyNamespace.GroupFd()), SharedContainer.ReceivedEarly) is { } joined) return joined;
                break; // the first rank gave up: elect anew
            case EarlyNamespace.GroupRole.Taken:
                int holder = EarlyNamespace.GroupPeerUid();
                Log.Warning("{Why}: running in a container of its own", holder >= 0
                    ? $"another user (uid {holder}) holds this node's group name"
                    : "this node's group name is held by a socket that accepts no one");
                return new NodeRole.Own();
        }
        if (!EarlyNamespace.Deferred)
            return TakeInheritedListener() is { } listener ? new NodeRole.First(listener) : new NodeRole.Own();
        string? group = NodeSharing.GroupName(EarlyNamespace.JoinKeyOption(), EarlyNamespace.NoJoinOption(),
            Invocation.Environment, EarlyNamespace.OuterUid(), Syscalls.ParentPid(),
            Invocation.CurrentDirectory() ?? "", EarlyNamespace.LaunchArguments(Invocation.Arguments()));
        if (group is null) Reexec.InOwnNamespace();
        var address = new UnixDomainSocketEndPoint("\0" + group);
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            if (TryConnect(address) is { } member) return member;
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                listener.Bind(address);
                listener.Listen(4096);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse)
            {
                listener.Dispose(); // another rank won between our connect and bind: join it
                Thread.Sleep(1);
                continue;
            }
            Log.Debug("node group {Group}: first rank", group);
            int fd = (int)listener.Handle;
            Syscalls.ClearCloseOnExec(fd);
            Reexec.InOwnNamespace((ListenerVariable, fd.ToString()));
        }
        throw new HpcRunException(ExitCode.JoinFailed,
            $"could not join or set up this node's shared container after {Attempts} attempts (use --no-join)");
    }

    private static Socket Adopt(int fd) => new(new SafeSocketHandle(fd, ownsHandle: true));

    /// <summary>Connects to the group's first rank and waits until its container is ready; null when
    /// there is no first rank, or it gave up (then this rank tries to become it).</summary>
    private static NodeRole.Member? TryConnect(UnixDomainSocketEndPoint address)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false };
        try
        {
            try { socket.Connect(address); }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain)
            {
                // A full backlog: a first rank of ours has 4096 places, so the name is held by a squatter
                // that never accepts (its owner cannot be asked before a connection exists).
                LeaveForOwnContainer(socket, "this node's group name is held by a socket that accepts no one");
            }
            socket.Blocking = true;
            int uid = Peer(socket).Uid;
            if (uid != Syscalls.Uid())
                LeaveForOwnContainer(socket, $"another user (uid {uid}) holds this node's group name");
        }
        catch (SocketException e)
            when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
        {
            socket.Dispose();
            return null;
        }
        return Join(socket, () => SharedContainer.ReceiveFrom(socket));
    }

    /// <summary>Waits on a connection to the group's first rank (whose uid is this rank's) until its container is
    /// ready (<paramref name="greeting"/>: the first rank's greeting on it); null, the connection closed, when the
    /// first rank gave up.</summary>
    private static NodeRole.Member? Join(Socket socket, Func<SharedContainer?> greeting)
    {
        try
        {
            if (greeting() is { } container)
            {
                int pid = Peer(socket).Pid;
                Log.Debug("node group: joining the container of pid {Pid}", pid);
                return new NodeRole.Member(pid, socket, container);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset)
        {
        }
        socket.Dispose();
        return null;
    }

    private static void LeaveForOwnContainer(Socket socket, string why)
    {
        Log.Warning("{Why}: running in a container of its own", why);
        socket.Dispose();
        Reexec.InOwnNamespace();
    }

    private static Socket? TakeInheritedListener()
    {
        if (Invocation.Environment.GetValueOrDefault(ListenerVariable) is not { } text) return null;
        int fd = int.Parse(text);
        Syscalls.SetCloseOnExec(fd); // the job must not hold the group's name
        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    /// <summary>The process at the other end (SO_PEERCRED: pid and uid as this process's namespaces see
    /// them).</summary>
    public static (int Pid, int Uid) Peer(Socket socket)
    {
        Span<byte> credentials = stackalloc byte[12];
        socket.GetRawSocketOption(1 /* SOL_SOCKET */, 17 /* SO_PEERCRED */, credentials);
        return (BitConverter.ToInt32(credentials), BitConverter.ToInt32(credentials[4..]));
    }

    /// <summary>Greets the ranks that connect, once the container is ready, with the fast join's
    /// <paramref name="recipe"/> (<see cref="JoinRecipe"/>), and counts them. The recipe is made when the first
    /// member connects, not before: a node's only rank (one rank per node, a single task) never pays for it, and
    /// on a small node its making would take a core from the job as it starts.</summary>
    public sealed class Host(Socket listener, SharedContainer container, Func<byte[]> recipe)
    {
        /// <summary>Made on the thread pool: a member already waiting when <see cref="Serve"/> starts is accepted
        /// on the caller's thread, which is on its way to start this rank's job.</summary>
        private readonly Lazy<Task<byte[]>> madeRecipe = new(() => Task.Run(recipe));
        private readonly object gate = new();
        private int members;
        private bool closed;

        public void Serve() => _ = AcceptAsync();

        private async Task AcceptAsync()
        {
            while (true)
            {
                Socket member;
                try { member = await listener.AcceptAsync(); }
                catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
                // SO_PEERCRED gives the uid as this namespace sees it: 0 for the user under --fakeroot.
                if (Peer(member).Uid != Syscalls.Uid()) { member.Dispose(); continue; }
                lock (gate)
                {
                    if (closed) { member.Dispose(); return; }
                    members++;
                    Monitor.PulseAll(gate);
                }
                try { container.SendTo(member, await madeRecipe.Value); }
                catch (SetupException) { } // it left meanwhile
                _ = WatchAsync(member);
            }
        }

        /// <summary>A member leaves when its connection closes and its process has ended: a fast-joined member's
        /// process is its job, which holds the connection (Native/early.c) and may close it early.</summary>
        private async Task WatchAsync(Socket member)
        {
            int process = PeerProcess(member);
            byte[] buffer = new byte[1];
            try { while (await member.ReceiveAsync(buffer) > 0) { } }
            catch (SocketException) { }
            member.Dispose();
            if (process >= 0)
            {
                await Task.Run(() => Syscalls.WaitReadable(process));
                Syscalls.Close(process);
            }
            lock (gate)
            {
                members--;
                if (members == 0) Monitor.PulseAll(gate);
            }
        }

        /// <summary>A pidfd of the process that connected (SO_PEERPIDFD, Linux 6.5), or -1.</summary>
        private static int PeerProcess(Socket member)
        {
            Span<byte> fd = stackalloc byte[4];
            try
            {
                return member.GetRawSocketOption(1 /* SOL_SOCKET */, 77 /* SO_PEERPIDFD */, fd) == 4
                    ? BitConverter.ToInt32(fd) : -1;
            }
            catch (SocketException) { return -1; }
        }

        /// <summary>After this rank's own job: waits until no member is left and none is queued,
        /// then greets no one more. (A rank that connects in the instant between the last check and
        /// hpcrun's end is let go; it then sets up the group's container anew.)</summary>
        public void WaitForMembers()
        {
            lock (gate)
            {
                while (members > 0 || listener.Poll(0, SelectMode.SelectRead))
                {
                    Log.Debug("node group: waiting for {Members} rank(s) sharing this container", members);
                    Monitor.Wait(gate, TimeSpan.FromMilliseconds(50));
                }
                // Left open until hpcrun ends, right after: disposed, it would abort the pending accept, whose
                // ending alone starts the thread pool (three threads, at every node's only rank). A rank that
                // connects meanwhile is let go (closed) and sets up the group's container anew.
                closed = true;
            }
        }
    }
}
