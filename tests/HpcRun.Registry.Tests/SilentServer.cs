using System.Net;
using System.Net.Sockets;

namespace HpcRun.Registry.Tests;

/// <summary>A registry that hangs: it accepts connections on 127.0.0.1 and never answers, holding them open until it
/// is disposed; it counts the connections made.</summary>
public sealed class SilentServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> accepted = [];
    private readonly Thread acceptor;

    public SilentServer()
    {
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        acceptor = new Thread(Accept) { IsBackground = true };
        acceptor.Start();
    }

    public int Port { get; }

    public int Connections
    {
        get { lock (accepted) return accepted.Count; }
    }

    public void Dispose()
    {
        listener.Stop();
        acceptor.Join();
        lock (accepted) foreach (Socket socket in accepted) socket.Dispose();
    }

    private void Accept()
    {
        try
        {
            while (true)
            {
                Socket socket = listener.AcceptSocket();
                lock (accepted) accepted.Add(socket);
            }
        }
        catch (SocketException) { } // stopped
        catch (ObjectDisposedException) { }
    }
}
