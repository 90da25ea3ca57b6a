using System.Text;

namespace HpcRun.Registry;

/// <summary>The auth-params of a WWW-Authenticate challenge (RFC 9110, 11.2: name=token or name="quoted
/// string", comma-separated), e.g. realm="https://auth.docker.io/token",service="registry.docker.io".</summary>
internal static class ChallengeParameters
{
    public static Dictionary<string, string> Parse(string? text)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        while (text is not null && i < text.Length)
        {
            while (i < text.Length && (text[i] is ',' or ' ' or '\t')) i++;
            int equals = text.IndexOf('=', i);
            if (equals < 0) break;
            string name = text[i..equals].Trim();
            var value = new StringBuilder();
            i = equals + 1;
            if (i < text.Length && text[i] == '"')
            {
                for (i++; i < text.Length && text[i] != '"'; i++)
                    value.Append(text[i] == '\\' && i + 1 < text.Length ? text[++i] : text[i]);
                i++;
            }
            else
                for (; i < text.Length && text[i] != ','; i++) value.Append(text[i]);
            parameters[name] = value.ToString().Trim();
        }
        return parameters;
    }
}
