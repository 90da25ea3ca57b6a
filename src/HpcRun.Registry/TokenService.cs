namespace HpcRun.Registry;

/// <summary>The token service a registry's Bearer challenge sends hpcrun to (its realm), as messages name it:
/// "HOST:PORT, the token service of registry REGISTRY". The port is always shown, as the user must find that
/// server (a firewall rule, a proxy); the realm's path and query are not (they are the registry's business).</summary>
internal sealed record TokenService(Uri Realm, string Registry)
{
    /// <summary>Whether the user's credentials may go to this service, for a registry reached at
    /// <paramref name="registry"/>: not to a plain-HTTP realm when the registry is HTTPS, where the registry's
    /// challenge, which came over TLS, would send them across the network in clear text (as curl keeps credentials
    /// off a redirect that leaves HTTPS). With `--insecure` the registry is HTTP too, and the user chose it.</summary>
    public bool TakesCredentials(Uri registry) =>
        Realm.Scheme == Uri.UriSchemeHttps || registry.Scheme == Uri.UriSchemeHttp;

    public override string ToString() => $"{Realm.Host}:{Realm.Port}, the token service of registry {Registry}";
}
