using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HpcRun.Slurm.Tests;

/// <summary>
/// A real HTTP listener on a free local port that gives every request the same canned answer (or,
/// with a null body, never answers), and records what it was asked. It plays the faults a real
/// slurmrestd cannot be made to show on demand: a proxy's 503 or redirect, garbage JSON, silence,
/// an answer dripped a byte at a time, an error that echoes the request's token; and a reverse proxy in front of the
/// real one (<see cref="Answer.Reply"/>).
/// </summary>
public sealed class CannedHttpServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentQueue<Request> received = new();
    private readonly ConcurrentBag<TcpClient> clients = [];
    private readonly Func<int, Answer> script;
    private int connections;

    /// <summary>What the server answers. <see cref="Body"/> null: it accepts and never answers.</summary>
    public sealed record Answer(int Status, string? Body)
    {
        /// <summary>More headers, such as Location for a redirect.</summary>
        public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
        /// <summary>Computes the body from the request, in place of <see cref="Body"/> (then non-null).</summary>
        public Func<Request, string>? Echo { get; init; }
        /// <summary>Computes the whole answer from the request, in place of this one (then with a non-null
        /// <see cref="Body"/>): a reverse proxy's, which forwards it.</summary>
        public Func<Request, Answer>? Reply { get; init; }
        /// <summary>Writes the body (with <see cref="DripHead"/> the status line and headers too) one byte at a
        /// time, this far apart.</summary>
        public TimeSpan? DripEvery { get; init; }
        public bool DripHead { get; init; }
    }

    /// <summary>One request as it arrived: <paramref name="Head"/> byte for byte (request line and headers);
    /// header values without the white space around them, as a server reads them (RFC 9110, 5.5).</summary>
    public sealed record Request(string Method, string Path, string Head, IReadOnlyList<Field> Headers, string Body)
    {
        public string? Header(string name) => Find(Headers, name);
    }

    public sealed record Field(string Name, string Value);

    private static string? Find(IEnumerable<Field> headers, string name) =>
        headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase))?.Value;

    public CannedHttpServer(int status, string? body) : this(new Answer(status, body)) { }

    public CannedHttpServer(Answer answer) : this(_ => answer) { }

    /// <summary>A server whose answer to the Nth connection (from 1) is <paramref name="script"/>(N): a conversation
    /// such as a submit, a poll that stalls, then the finished job (hpcrun opens one connection per request).</summary>
    public CannedHttpServer(Func<int, Answer> script)
    {
        this.script = script;
        listener.Start();
        _ = Task.Run(Accept);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Connections accepted: hpcrun opens one for each request (every answer closes its connection).</summary>
    public int Requests => Volatile.Read(ref connections);

    /// <summary>The requests read in full, in arrival order.</summary>
    public IReadOnlyList<Request> Received => [.. received];

    private async Task Accept()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
            Answer answer = script(Interlocked.Increment(ref connections));
            clients.Add(client); // closed on Dispose; a silent server keeps it open, never answered
            if (answer.Body is not null) _ = Task.Run(() => Serve(client, answer));
        }
    }

    private async Task Serve(TcpClient client, Answer answer)
    {
        try
        {
            NetworkStream stream = client.GetStream();
            Request request = await Read(stream);
            received.Enqueue(request);
            answer = answer.Reply?.Invoke(request) ?? answer;
            byte[] body = Encoding.UTF8.GetBytes(answer.Echo?.Invoke(request) ?? answer.Body!);
            string extra = string.Concat(answer.Headers.Select(h => $"{h.Key}: {h.Value}\r\n"));
            // JSON, as slurmrestd's answers, unless the answer names its own type (another server's HTML page)
            string type = answer.Headers.ContainsKey("Content-Type") ? "" : "Content-Type: application/json\r\n";
            byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.1 {answer.Status} Canned\r\n" +
                $"{type}{extra}Content-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            await Write(stream, head, answer.DripHead ? answer.DripEvery : null);
            await Write(stream, body, answer.DripEvery);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the client left (hpcrun gave up on a dripped answer), or the test ended
        }
        finally { client.Dispose(); }
    }

    private async Task Write(NetworkStream stream, byte[] bytes, TimeSpan? dripEvery)
    {
        if (dripEvery is not { } every)
        {
            await stream.WriteAsync(bytes, stop.Token);
            return;
        }
        for (int i = 0; i < bytes.Length; i++)
        {
            await stream.WriteAsync(bytes.AsMemory(i, 1), stop.Token);
            await Task.Delay(every, stop.Token);
        }
    }

    /// <summary>Reads the request line, the headers and a Content-Length body (hpcrun sends no chunked ones).</summary>
    private async Task<Request> Read(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var buffer = new byte[4096];
        async Task ReadMore()
        {
            int n = await stream.ReadAsync(buffer, stop.Token);
            if (n == 0) throw new IOException("the client closed before its request was complete");
            bytes.AddRange(buffer.AsSpan(0, n));
        }
        int headEnd;
        while ((headEnd = IndexOfBlankLine(bytes)) < 0) await ReadMore();
        string head = Encoding.ASCII.GetString([.. bytes[..headEnd]]);
        string[] lines = head.Split("\r\n");
        List<Field> headers = [.. lines[1..].Select(l => l.Split(':', 2)).Select(p => new Field(p[0], p[1].Trim()))];
        int length = int.Parse(Find(headers, "Content-Length") ?? "0");
        while (bytes.Count < headEnd + 4 + length) await ReadMore();
        string[] requestLine = lines[0].Split(' ');
        string body = Encoding.UTF8.GetString([.. bytes[(headEnd + 4)..]]);
        return new Request(requestLine[0], requestLine[1], head, headers, body);
    }

    private static int IndexOfBlankLine(List<byte> bytes)
    {
        for (int i = 0; i + 3 < bytes.Count; i++)
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') return i;
        return -1;
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        foreach (TcpClient client in clients) client.Dispose();
    }
}
