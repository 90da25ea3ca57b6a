namespace HpcRun.Registry;

/// <summary>The token service a registry's Bearer challenge sends hpcrun to (its realm), as messages name it:
/// "HOST:PORT, the token service of registry REGISTRY". The port is always shown, as the user must find that
/// server (a firewall rule, a proxy); the realm's path and query are not (they are the registry's business).</summary>
internal sealed record TokenService(Uri Realm, string Registry)
{
    public override string ToString() => $"{Realm.Host}:{Realm.Port}, the token service of registry {Registry}";
}
