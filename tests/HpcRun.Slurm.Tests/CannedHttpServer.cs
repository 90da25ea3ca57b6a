using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HpcRun.Slurm.Tests;

/// <summary>
/// A real HTTP listener on a free local port that gives every request the same raw answer (or,
/// with null, never answers), and counts the requests. It plays the faults a real slurmrestd
/// cannot be made to show on demand: a proxy's 503, garbage JSON, silence.
/// </summary>
public sealed class CannedHttpServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private int requests;

    public CannedHttpServer(int status, string? body)
    {
        listener.Start();
        _ = Task.Run(() => Serve(status, body));
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    public int Requests => Volatile.Read(ref requests);

    private async Task Serve(int status, string? body)
    {
        var silent = new List<TcpClient>(); // kept open, never answered
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (OperationCanceledException) { break; }
            Interlocked.Increment(ref requests);
            if (body is null) { silent.Add(client); continue; }
            using (client)
            {
                NetworkStream stream = client.GetStream();
                var head = new StringBuilder();
                var buffer = new byte[4096];
                while (!head.ToString().Contains("\r\n\r\n"))
                {
                    int n = await stream.ReadAsync(buffer);
                    if (n == 0) break;
                    head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                byte[] payload = Encoding.UTF8.GetBytes(body);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 {status} Canned\r\nContent-Type: application/json\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n"));
                await stream.WriteAsync(payload);
            }
        }
        silent.ForEach(c => c.Dispose());
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
    }
}
