using System.Runtime.InteropServices;

namespace HpcRun.Host;

/// <summary>
/// The few calls of libcurl (libcurl.so.4, 7.83 or later for curl_easy_header(3)) that <see cref="TagCheck"/> makes,
/// and OpenSSL's default root locations (X509_get_default_cert_file(3), in the libcrypto libcurl itself loads).
/// Bound at the first call: a launch that asks no registry loads neither library. Option and info numbers are
/// curl/curl.h's (CURLOPTTYPE_LONG 0, OBJECTPOINT 10000; CURLINFO_LONG 0x200000).
/// </summary>
internal static partial class LibCurl
{
    private const string Curl = "libcurl.so.4", Crypto = "libcrypto.so.3";

    public const int CURLE_OK = 0, CURLE_PEER_FAILED_VERIFICATION = 60, CURLE_SSL_CACERT_BADFILE = 77;
    public const int CURLE_COULDNT_RESOLVE_HOST = 6, CURLE_COULDNT_CONNECT = 7, CURLE_OPERATION_TIMEDOUT = 28,
        CURLE_SEND_ERROR = 55, CURLE_RECV_ERROR = 56;
    public const int CURLH_HEADER = 1, CURLHE_OK = 0;
    public const int CURLINFO_RESPONSE_CODE = 0x200002;

    /// <summary>curl_easy_setopt(3)'s option numbers used here.</summary>
    public enum Option
    {
        NoBody = 44,
        FollowLocation = 52,
        SslVerifyPeer = 64,
        SslVerifyHost = 81,
        NoSignal = 99,
        TimeoutMs = 155,
        ConnectTimeoutMs = 156,
        Url = 10002,
        Proxy = 10004,
        UserAgent = 10018,
        HttpHeader = 10023,
        CaInfo = 10065,
        CaPath = 10097,
        NoProxy = 10177,
        ProtocolsStr = 10318,
    }

    /// <summary>curl_header(3): one header of the answer; only the value is read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Header
    {
        public nint Name, Value;
        public nuint Amount, Index;
        public uint Origin;
        public nint Anchor;
    }

    [LibraryImport(Curl)] public static partial nint curl_easy_init();
    [LibraryImport(Curl)] public static partial void curl_easy_cleanup(nint handle);
    [LibraryImport(Curl)] public static partial int curl_easy_perform(nint handle);

    // curl_easy_setopt and curl_easy_getinfo are variadic in C; one long or pointer argument passes as a fixed one
    // on the System V x86-64 and AArch64 calling conventions.
    [LibraryImport(Curl, EntryPoint = "curl_easy_setopt")]
    public static partial int SetOption(nint handle, Option option, nint value);

    [LibraryImport(Curl, EntryPoint = "curl_easy_setopt", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetStringOption(nint handle, Option option, string? value);

    [LibraryImport(Curl, EntryPoint = "curl_easy_getinfo")]
    public static partial int GetLong(nint handle, int info, out nint value);

    [LibraryImport(Curl, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int curl_easy_header(nint handle, string name, nuint index, uint origin, int request,
        out nint header);

    [LibraryImport(Curl, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint curl_slist_append(nint list, string value);

    [LibraryImport(Curl)] public static partial void curl_slist_free_all(nint list);

    [LibraryImport(Crypto)] public static partial nint X509_get_default_cert_file();
    [LibraryImport(Crypto)] public static partial nint X509_get_default_cert_dir();
}
