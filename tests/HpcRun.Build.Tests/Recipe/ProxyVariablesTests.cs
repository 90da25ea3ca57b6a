using HpcRun.Build.Recipe;

namespace HpcRun.Build.Tests.Recipe;

/// <summary>Docker's predefined proxy ARGs (<see cref="ProxyVariables"/>): from hpcrun's environment, a --build-arg
/// winning, and never over what the recipe sets itself.</summary>
public class ProxyVariablesTests
{
    [Fact]
    public void The_environment_gives_the_proxies_and_a_build_arg_of_the_same_name_wins()
    {
        var environment = new Dictionary<string, string>
        {
            ["http_proxy"] = "http://site:3128",
            ["NO_PROXY"] = "localhost",
            ["HOME"] = "/home/a",
        };
        var buildArgs = new Dictionary<string, string> { ["http_proxy"] = "http://mine:8080", ["VERSION"] = "2" };
        var proxies = ProxyVariables.From(environment.GetValueOrDefault, buildArgs);
        Assert.Equal(new Dictionary<string, string> { ["http_proxy"] = "http://mine:8080", ["NO_PROXY"] = "localhost" },
            proxies);
    }

    [Fact]
    public void A_proxy_the_stage_sets_itself_is_kept_and_the_others_are_added_after_its_entries()
    {
        KeyValuePair<string, string>[] stage = [new("PATH", "/bin"), new("https_proxy", "http://recipe:1")];
        var proxies = new Dictionary<string, string> { ["https_proxy"] = "http://site:3128", ["no_proxy"] = "x" };
        Assert.Equal([new("PATH", "/bin"), new("https_proxy", "http://recipe:1"), new("no_proxy", "x")],
            ProxyVariables.Add(stage, proxies));
    }
}
