using System.Runtime.InteropServices;

namespace HpcRun.Host;

/// <summary>
/// The few calls of OpenSSL 3 (libssl.so.3, libcrypto.so.3: ssl(7), BIO_s_connect(3), SSL_CTX_load_verify_locations(3),
/// X509_VERIFY_PARAM_set1_host(3)) that <see cref="RegistryConnection"/> makes, and the socket calls of libc it needs
/// around them. Bound at the first call: a launch that asks no registry loads neither library.
/// </summary>
internal static unsafe partial class OpenSsl
{
    private const string Ssl = "libssl.so.3", Crypto = "libcrypto.so.3";

    public const int SSL_VERIFY_PEER = 1, X509_V_OK = 0;
    public const int SSL_CTRL_SET_TLSEXT_HOSTNAME = 55, TLSEXT_NAMETYPE_host_name = 0;
    public const uint X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS = 4;
    public const int BIO_C_DO_STATE_MACHINE = 101, BIO_C_SET_NBIO = 102, BIO_C_GET_FD = 105;
    public const int BIO_FLAGS_SHOULD_RETRY = 8;
    public const int SOL_SOCKET = 1, SO_RCVTIMEO = 20, SO_SNDTIMEO = 21, IPPROTO_TCP = 6, TCP_NODELAY = 1;
    public const short POLLOUT = 4;

    [LibraryImport(Ssl)] public static partial nint TLS_client_method();
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_new(nint method);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_free(nint context);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_set_verify(nint context, int mode, nint callback);

    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SSL_CTX_load_verify_locations(nint context, string? file, string? directory);

    [LibraryImport(Ssl)] public static partial nint SSL_new(nint context);
    [LibraryImport(Ssl)] public static partial void SSL_free(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_set_fd(nint ssl, int fd);
    [LibraryImport(Ssl)] public static partial long SSL_ctrl(nint ssl, int command, long larg, nint parg);
    [LibraryImport(Ssl)] public static partial nint SSL_get0_param(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_connect(nint ssl);
    [LibraryImport(Ssl)] public static partial long SSL_get_verify_result(nint ssl);
    [LibraryImport(Ssl)] public static partial nint SSL_get1_peer_certificate(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_write(nint ssl, byte* buffer, int count);
    [LibraryImport(Ssl)] public static partial int SSL_read(nint ssl, byte* buffer, int count);

    [LibraryImport(Crypto)] public static partial void X509_free(nint certificate);
    [LibraryImport(Crypto)] public static partial nint X509_get_default_cert_file();
    [LibraryImport(Crypto)] public static partial nint X509_get_default_cert_dir();

    [LibraryImport(Crypto, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int X509_VERIFY_PARAM_set1_host(nint parameters, string name, nuint length);

    [LibraryImport(Crypto)] public static partial void X509_VERIFY_PARAM_set_hostflags(nint parameters, uint flags);

    [LibraryImport(Crypto, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int X509_VERIFY_PARAM_set1_ip_asc(nint parameters, string address);

    [LibraryImport(Crypto, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint BIO_new_connect(string hostAndPort);

    [LibraryImport(Crypto)] public static partial long BIO_ctrl(nint bio, int command, long larg, nint parg);
    [LibraryImport(Crypto)] public static partial int BIO_test_flags(nint bio, int flags);
    [LibraryImport(Crypto)] public static partial int BIO_socket_nbio(int fd, int mode);
    [LibraryImport(Crypto)] public static partial int BIO_read(nint bio, byte* buffer, int count);
    [LibraryImport(Crypto)] public static partial int BIO_write(nint bio, byte* buffer, int count);
    [LibraryImport(Crypto)] public static partial void BIO_free_all(nint bio);

    [LibraryImport("libc", EntryPoint = "poll")] public static partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "setsockopt")]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events, Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal
    {
        public long Seconds, Microseconds;
    }
}
