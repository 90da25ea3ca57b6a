using System.Runtime.InteropServices;

namespace HpcRun.Host;

/// <summary>
/// The calls of OpenSSL 3 (libssl.so.3, libcrypto.so.3) that <see cref="TagCheck"/> makes: a connection BIO
/// (BIO_s_connect(3)), OpenSSL's own HTTP client (OSSL_HTTP_open(3), OSSL_HTTP_exchange(3)) over an SSL BIO
/// (BIO_f_ssl(3)), its sessions (SSL_set_session(3), d2i_SSL_SESSION(3)), the error queue (ERR_get_error_all(3))
/// and SHA256(3). Bound at the first call: a launch that asks no registry loads neither library. The numbers of
/// the macros (BIO_set_nbio, BIO_get_ssl...) are openssl/bio.h's, ssl.h's and err.h's of 3.0.
/// </summary>
internal static unsafe partial class OpenSsl
{
    private const string Ssl = "libssl.so.3", Crypto = "libcrypto.so.3";

    public const int SSL_VERIFY_PEER = 1;
    public const int ERR_LIB_SYS = 2, ERR_LIB_BIO = 32, ERR_LIB_SSL = 20, ERR_LIB_HTTP = 61;
    /// <summary>ERR_R_SYS_LIB with ERR_RFLAG_COMMON: a failed system call, here getaddrinfo(3).</summary>
    public const int ERR_R_SYS_LIB = 0x80002;
    public const int BIO_R_CONNECT_ERROR = 103, BIO_R_NBIO_CONNECT_ERROR = 110, BIO_R_LOOKUP_RETURNED_NOTHING = 142,
        BIO_R_CONNECT_TIMEOUT = 147, BIO_R_TRANSFER_ERROR = 104, BIO_R_TRANSFER_TIMEOUT = 105;
    public const int SSL_R_CERTIFICATE_VERIFY_FAILED = 134, SSL_R_UNEXPECTED_EOF_WHILE_READING = 294;
    public const int HTTP_R_ERROR_SENDING = 102, HTTP_R_ERROR_RECEIVING = 103, HTTP_R_RECEIVED_ERROR = 105,
        HTTP_R_RETRY_TIMEOUT = 129, HTTP_R_SERVER_CANCELED_CONNECTION = 127;

    private const int BIO_C_DO_STATE_MACHINE = 101, BIO_C_SET_NBIO = 102, BIO_C_GET_FD = 105, BIO_C_GET_SSL = 110;
    private const int BIO_FLAGS_SHOULD_RETRY = 8, SSL_CTRL_SET_TLSEXT_HOSTNAME = 55;

    /// <summary>openssl/crypto.h's: no atexit(3) clean-up (OPENSSL_init_crypto(3)), when given at the first
    /// initialisation.</summary>
    public const ulong OPENSSL_INIT_NO_ATEXIT = 0x00080000;

    [LibraryImport(Ssl)] public static partial int OPENSSL_init_ssl(ulong options, nint settings);
    [LibraryImport(Ssl)] public static partial nint TLS_client_method();
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_new(nint method);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_free(nint context);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_set_verify(nint context, int mode, nint callback);

    [LibraryImport(Ssl, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SSL_CTX_load_verify_locations(nint context, string? file, string? directory);

    [LibraryImport(Ssl)] public static partial nint BIO_new_ssl(nint context, int client);
    [LibraryImport(Ssl)] public static partial nint SSL_get0_param(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_set1_host(nint ssl, byte* host);
    [LibraryImport(Ssl)] private static partial nint SSL_ctrl(nint ssl, int command, nint larg, void* parg);

    [LibraryImport(Ssl)] public static partial int SSL_set_session(nint ssl, nint session);
    [LibraryImport(Ssl)] public static partial nint SSL_get1_session(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_session_reused(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_SESSION_is_resumable(nint session);
    [LibraryImport(Ssl)] public static partial void SSL_SESSION_free(nint session);
    [LibraryImport(Ssl)] public static partial int i2d_SSL_SESSION(nint session, byte** output);
    [LibraryImport(Ssl)] public static partial nint d2i_SSL_SESSION(nint reuse, byte** input, nint length);

    [LibraryImport(Crypto)] public static partial int X509_VERIFY_PARAM_set1_ip_asc(nint param, byte* address);
    [LibraryImport(Crypto)] public static partial nint X509_get_default_cert_file();
    [LibraryImport(Crypto)] public static partial nint X509_get_default_cert_dir();

    [LibraryImport(Crypto, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint BIO_new_connect(string hostAndPort);

    [LibraryImport(Crypto)] private static partial nint BIO_ctrl(nint bio, int command, nint larg, void* parg);
    [LibraryImport(Crypto)] private static partial int BIO_test_flags(nint bio, int flags);
    [LibraryImport(Crypto)] public static partial int BIO_wait(nint bio, long untilUnixSeconds, uint napMilliseconds);
    [LibraryImport(Crypto)] public static partial int BIO_read(nint bio, byte* buffer, int length);
    [LibraryImport(Crypto)] public static partial nint BIO_push(nint top, nint next);
    [LibraryImport(Crypto)] public static partial nint BIO_pop(nint bio);
    [LibraryImport(Crypto)] public static partial int BIO_free(nint bio);
    [LibraryImport(Crypto)] public static partial void BIO_free_all(nint bio);

    [LibraryImport(Crypto, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint OSSL_HTTP_open(string server, string port, string? proxy, string? noProxy, int useSsl,
        nint bio, nint readBio, delegate* unmanaged<nint, nint, int, int, nint> bioUpdate, nint argument,
        int bufferSize, int overallTimeoutSeconds);

    [LibraryImport(Crypto, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OSSL_HTTP_set1_request(nint context, string path, nint headers, string? contentType,
        nint request, string? expectedContentType, int expectAsn1, nuint maxResponseLength, int timeoutSeconds,
        int keepAlive);

    [LibraryImport(Crypto)] public static partial nint OSSL_HTTP_exchange(nint context, out nint redirection);
    [LibraryImport(Crypto)] public static partial int OSSL_HTTP_close(nint context, int ok);

    /// <summary>Appends a header (a CONF_VALUE) to a STACK_OF(CONF_VALUE), made when <paramref name="stack"/> is
    /// 0.</summary>
    [LibraryImport(Crypto, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int X509V3_add_value(string name, string value, ref nint stack);

    [LibraryImport(Crypto)] private static partial void OPENSSL_sk_pop_free(nint stack, nint free);

    [LibraryImport(Crypto, StringMarshalling = StringMarshalling.Utf8)]
    private static partial void CRYPTO_free(nint pointer, string file, int line);

    [LibraryImport(Crypto)] public static partial void ERR_clear_error();

    [LibraryImport(Crypto)]
    public static partial nuint ERR_get_error_all(nint* file, int* line, nint* function, nint* data, int* flags);

    [LibraryImport(Crypto)] public static partial byte* SHA256(byte* data, nuint length, byte* digest);

    public static int BIO_set_nbio(nint bio, bool on) => (int)BIO_ctrl(bio, BIO_C_SET_NBIO, on ? 1 : 0, null);

    public static int BIO_do_connect(nint bio) => (int)BIO_ctrl(bio, BIO_C_DO_STATE_MACHINE, 0, null);

    public static bool BIO_should_retry(nint bio) => BIO_test_flags(bio, BIO_FLAGS_SHOULD_RETRY) != 0;

    public static int BIO_get_fd(nint bio)
    {
        int fd = -1;
        return BIO_ctrl(bio, BIO_C_GET_FD, 0, &fd) < 0 ? -1 : fd;
    }

    public static nint BIO_get_ssl(nint bio)
    {
        nint ssl = 0;
        BIO_ctrl(bio, BIO_C_GET_SSL, 0, &ssl);
        return ssl;
    }

    /// <summary>Server Name Indication (SSL_set_tlsext_host_name(3)).</summary>
    public static bool SSL_set_tlsext_host_name(nint ssl, byte* name) =>
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, 0 /* TLSEXT_NAMETYPE_host_name */, name) == 1;

    /// <summary>Frees a header stack of <see cref="X509V3_add_value"/> (sk_CONF_VALUE_pop_free).</summary>
    public static void FreeHeaders(nint stack)
    {
        if (stack != 0)
            OPENSSL_sk_pop_free(stack, NativeLibrary.GetExport(NativeLibrary.Load(Crypto), "X509V3_conf_free"));
    }

    /// <summary>OPENSSL_free.</summary>
    public static void Free(nint pointer)
    {
        if (pointer != 0) CRYPTO_free(pointer, "", 0);
    }
}
