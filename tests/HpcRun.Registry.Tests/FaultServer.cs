using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HpcRun.Registry.Tests;

/// <summary>
/// A registry that misbehaves, in front of a real one: every request answered with one status, or never answered,
/// or (<see cref="Mode.KilledMidBlob"/>) the real registry's answers passed through until the first blob, of which
/// half is sent before the server dies (the connection closes and nothing listens any more), or
/// (<see cref="Mode.StalledMidBlob"/>) half of each blob is sent and the rest never comes, the connection held open:
/// a pull under way for as long as a test needs (<see cref="Stalled"/> says when it is), or
/// (<see cref="Mode.Challenge"/>) every request answered 401 with a Bearer challenge whose realm is the token service
/// at <c>upstream</c> (a URL), or (<see cref="Mode.RedirectedBlobs"/>) the real registry's answers passed through but
/// each blob redirected (307) to storage at another name of this server (localhost), which answers <c>status</c>, or
/// (<see cref="Mode.HeldBlob"/>) the real registry's answers passed through, but the blob <c>corrupt</c> with its
/// first byte flipped and the blob <c>hold</c> sent but for its last byte, which comes once the test sets
/// <see cref="Release"/>.
/// </summary>
public sealed class FaultServer : IDisposable
{
    public enum Mode { Status, Silent, KilledMidBlob, StalledMidBlob, Challenge, RedirectedBlobs, HeldBlob }

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Mode mode;
    private readonly int status;
    private readonly string? upstream;
    private readonly string headers;
    private readonly string? corrupt, hold;
    private int requests;
    private readonly List<Socket> held = [];
    private readonly CancellationTokenSource stop = new();

    public string Host => $"127.0.0.1:{Port}";

    /// <summary>The storage a <see cref="Mode.RedirectedBlobs"/> server sends blobs to: itself, by another name.
    /// </summary>
    public string Storage => $"localhost:{Port}";

    private int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Set once a <see cref="Mode.StalledMidBlob"/> server has sent half a blob and holds the rest.</summary>
    public ManualResetEventSlim Stalled { get; } = new();

    /// <summary>Lets a <see cref="Mode.HeldBlob"/> server send the held blob's last byte.</summary>
    public ManualResetEventSlim Release { get; } = new();

    /// <summary>The requests a <see cref="Mode.Silent"/> server received and left unanswered.</summary>
    public int Unanswered
    {
        get { lock (held) return held.Count; }
    }

    /// <summary>The requests received.</summary>
    public int Requests => Volatile.Read(ref requests);

    /// <param name="headers">More header lines (each ending in CRLF) for <see cref="Mode.Status"/>'s answers.</param>
    /// <param name="corrupt">A <see cref="Mode.HeldBlob"/> server's blob (digest) to corrupt.</param>
    /// <param name="hold">A <see cref="Mode.HeldBlob"/> server's blob (digest) to hold the end of.</param>
    public FaultServer(Mode mode, int status = 0, string? upstream = null, string headers = "",
        string? corrupt = null, string? hold = null)
    {
        (this.mode, this.status, this.upstream, this.headers) = (mode, status, upstream, headers);
        (this.corrupt, this.hold) = (corrupt, hold);
        listener.Start();
        _ = Task.Run(Serve);
    }

    private async Task Serve()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await listener.AcceptSocketAsync(stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Answer(client));
        }
    }

    private async Task Answer(Socket client)
    {
        try
        {
            string head = ReadHead(client);
            Interlocked.Increment(ref requests);
            string[] line = head.Split(' ');
            string path = line.Length > 1 ? line[1] : "/";
            switch (mode)
            {
                case Mode.Silent:
                    lock (held) held.Add(client);
                    return;
                case Mode.Status:
                    Send(client, status, "text/plain", [], headers: headers);
                    break;
                case Mode.RedirectedBlobs when path.StartsWith("/storage/", StringComparison.Ordinal):
                    Send(client, status, "text/plain", []);
                    break;
                case Mode.RedirectedBlobs when path.Contains("/blobs/"):
                    Send(client, 307, "text/plain", [], headers: $"Location: http://{Storage}/storage{path}?sig=x\r\n");
                    break;
                case Mode.Challenge:
                    Send(client, 401, "text/plain", [], headers: $"WWW-Authenticate: Bearer realm=\"{upstream}\"," +
                        "service=\"fault\",scope=\"repository:test/app:pull\"\r\n");
                    break;
                case Mode.KilledMidBlob or Mode.StalledMidBlob or Mode.RedirectedBlobs or Mode.HeldBlob:
                    using (var http = new HttpClient())
                    {
                        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{upstream}{path}");
                        foreach (string accept in head.Split("\r\n").Where(l => l.StartsWith("Accept:",
                                     StringComparison.OrdinalIgnoreCase)))
                            request.Headers.TryAddWithoutValidation("Accept", accept[7..].Trim());
                        using HttpResponseMessage response = await http.SendAsync(request);
                        byte[] body = await response.Content.ReadAsByteArrayAsync();
                        string type = response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream";
                        if (mode == Mode.HeldBlob)
                        {
                            if (corrupt is not null && path.EndsWith($"/blobs/{corrupt}")) body[0] ^= 0xff;
                            bool holding = hold is not null && path.EndsWith($"/blobs/{hold}");
                            Send(client, (int)response.StatusCode, type, holding ? body[..^1] : body, body.Length);
                            if (holding)
                            {
                                Release.Wait(stop.Token);
                                client.Send(body[^1..]);
                            }
                        }
                        else if (path.Contains("/blobs/") && body.Length > 1000 && mode == Mode.StalledMidBlob)
                        {
                            Send(client, 200, type, body[..(body.Length / 2)], body.Length);
                            lock (held) held.Add(client); // the rest never comes; closed by Dispose
                            Stalled.Set();
                            return;
                        }
                        else if (path.Contains("/blobs/") && body.Length > 1000)
                        {
                            listener.Stop(); // the registry dies: nothing listens any more
                            Send(client, 200, type, body[..(body.Length / 2)], body.Length);
                        }
                        else Send(client, (int)response.StatusCode, type, body);
                    }
                    break;
            }
            client.Shutdown(SocketShutdown.Both);
            client.Dispose();
        }
        catch (Exception) { client.Dispose(); }
    }

    private static void Send(Socket client, int code, string type, byte[] body, long? length = null,
        string headers = "")
    {
        string head = $"HTTP/1.1 {code} Fault\r\nContent-Type: {type}\r\nContent-Length: {length ?? body.Length}\r\n" +
            $"{headers}Connection: close\r\n\r\n";
        client.Send(Encoding.ASCII.GetBytes(head));
        client.Send(body);
    }

    private static string ReadHead(Socket client)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n") && client.Receive(one) == 1) head.Append((char)one[0]);
        return head.ToString();
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        Release.Set();
        lock (held) foreach (Socket s in held) s.Dispose();
        Stalled.Dispose();
    }
}
