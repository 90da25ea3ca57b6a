using System.Net;
using System.Runtime.InteropServices;
using static HpcRun.Host.OpenSsl;

namespace HpcRun.Host;

/// <summary>
/// One connection to a registry, over TLS verified as OpenSSL verifies (the peer's chain to a trusted root, its
/// validity dates, the host name or IP address of the reference: SSL_VERIFY_PEER with X509_VERIFY_PARAM_set1_host or
/// set1_ip_asc), or plain TCP for a registry the user named insecure. The trusted roots are OpenSSL's defaults, as
/// .NET's own TLS takes them: SSL_CERT_FILE (or OpenSSL's default file) and the directories of SSL_CERT_DIR (or its
/// default directory). The directories are looked up by subject hash, the one issuer needed (c_rehash(1)), instead of
/// reading every root: OpenSSL's default file, usually a bundle of all of them, is read only when the directories
/// alone cannot verify the peer. Null, never an exception, for anything that fails: the caller asks hpcrun-tools
/// then, which tells the user why.
/// </summary>
internal sealed unsafe class RegistryConnection : IDisposable
{
    private nint bio, context, ssl;

    private RegistryConnection(nint bio) => this.bio = bio;

    /// <summary>Connects to <paramref name="host"/> (a name, an IPv4 address or an IPv6 one without brackets) on
    /// <paramref name="port"/>, each wait (connecting, each read and write) bounded by <paramref name="timeout"/>.
    /// </summary>
    public static RegistryConnection? Open(string host, int port, bool tls, TimeSpan timeout)
    {
        try
        {
            string? file = Invocation.Environment.GetValueOrDefault("SSL_CERT_FILE") is { Length: > 0 } f ? f : null;
            if (Connect(host, port, tls, timeout, file) is { } connection) return connection;
            if (!tls || file is not null) return null;
            // Roots only in OpenSSL's default file (no hashed directory, as on Red Hat's layout): read it too.
            return Connect(host, port, tls, timeout, Marshal.PtrToStringUTF8(X509_get_default_cert_file()));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null; // no OpenSSL 3 here
        }
    }

    private static RegistryConnection? Connect(string host, int port, bool tls, TimeSpan timeout, string? rootsFile)
    {
        nint bio = BIO_new_connect(host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}");
        if (bio == 0) return null;
        var connection = new RegistryConnection(bio);
        bool verified = false;
        try
        {
            verified = connection.ConnectSocket(timeout) && (!tls || connection.Handshake(host, rootsFile));
            return verified ? connection : null;
        }
        finally
        {
            if (!verified) connection.Dispose();
        }
    }

    /// <summary>A non-blocking connect bounded by <paramref name="timeout"/>, then a blocking socket whose reads
    /// and writes time out, and whose small writes leave at once (TCP_NODELAY, as .NET's sockets: otherwise the
    /// request, written just after the handshake's last message, waits for the registry's delayed ACK).</summary>
    private bool ConnectSocket(TimeSpan timeout)
    {
        BIO_ctrl(bio, BIO_C_SET_NBIO, 1, 0);
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (BIO_ctrl(bio, BIO_C_DO_STATE_MACHINE, 0, 0) <= 0)
        {
            int remaining = (int)Math.Min(int.MaxValue, deadline - Environment.TickCount64);
            if (BIO_test_flags(bio, BIO_FLAGS_SHOULD_RETRY) == 0 || remaining <= 0 || Fd < 0) return false;
            var poll = new PollFd { Fd = Fd, Events = POLLOUT };
            if (Poll(&poll, 1, remaining) <= 0) return false;
        }
        var limit = new TimeVal
        {
            Seconds = (long)timeout.TotalSeconds,
            Microseconds = timeout.Milliseconds * 1000L,
        };
        int on = 1;
        return BIO_socket_nbio(Fd, 0) == 1
            && SetSockOpt(Fd, SOL_SOCKET, SO_RCVTIMEO, &limit, (uint)sizeof(TimeVal)) == 0
            && SetSockOpt(Fd, SOL_SOCKET, SO_SNDTIMEO, &limit, (uint)sizeof(TimeVal)) == 0
            && SetSockOpt(Fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(int)) == 0;
    }

    private int Fd => (int)BIO_ctrl(bio, BIO_C_GET_FD, 0, 0);

    /// <summary>TLS with the peer verified: a chain to a root of <paramref name="rootsFile"/> or of the hashed
    /// directories, the name (SNI and the certificate's) or address of <paramref name="host"/>.</summary>
    private bool Handshake(string host, string? rootsFile)
    {
        context = SSL_CTX_new(TLS_client_method());
        if (context == 0) return false;
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, 0);
        string? directories = Invocation.Environment.GetValueOrDefault("SSL_CERT_DIR") is { Length: > 0 } d ? d
            : Marshal.PtrToStringUTF8(X509_get_default_cert_dir());
        if (SSL_CTX_load_verify_locations(context, rootsFile, directories) != 1) return false;
        ssl = SSL_new(context);
        if (ssl == 0 || SSL_set_fd(ssl, Fd) != 1) return false;
        nint parameters = SSL_get0_param(ssl);
        if (IPAddress.TryParse(host, out _))
        {
            if (X509_VERIFY_PARAM_set1_ip_asc(parameters, host) != 1) return false;
        }
        else
        {
            X509_VERIFY_PARAM_set_hostflags(parameters, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            if (X509_VERIFY_PARAM_set1_host(parameters, host, 0) != 1) return false;
            nint name = Marshal.StringToCoTaskMemUTF8(host);
            try { SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, name); }
            finally { Marshal.FreeCoTaskMem(name); }
        }
        if (SSL_connect(ssl) != 1 || SSL_get_verify_result(ssl) != X509_V_OK) return false;
        nint peer = SSL_get1_peer_certificate(ssl);
        if (peer == 0) return false;
        X509_free(peer);
        return true;
    }

    /// <summary>Writes all of <paramref name="data"/>; false when the connection failed.</summary>
    public bool Write(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
            for (int done = 0; done < data.Length;)
            {
                int n = ssl != 0 ? SSL_write(ssl, start + done, data.Length - done)
                    : BIO_write(bio, start + done, data.Length - done);
                if (n <= 0) return false;
                done += n;
            }
        return true;
    }

    /// <summary>Reads what arrives into <paramref name="buffer"/>: the count, 0 at the end, negative on a
    /// failure (a timeout included).</summary>
    public int Read(Span<byte> buffer)
    {
        fixed (byte* start = buffer)
            return ssl != 0 ? SSL_read(ssl, start, buffer.Length) : BIO_read(bio, start, buffer.Length);
    }

    public void Dispose()
    {
        if (ssl != 0) SSL_free(ssl);
        if (context != 0) SSL_CTX_free(context);
        if (bio != 0) BIO_free_all(bio); // closes the socket
        (ssl, context, bio) = (0, 0, 0);
    }
}
