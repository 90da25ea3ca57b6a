using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>The variables that name a place every job uses (the image cache, the site configuration) take absolute
/// paths: a relative one would be another place in each job's working directory. One line, a status, nothing
/// made there.</summary>
[Collection(ContainerCollection.Name)]
public class RelativePathVariablesTests(ContainerFixture images)
{
    private static void OneLine(CommandResult result, ExitCode status, string line)
    {
        Assert.True(result.ExitCode == (int)status, result.ToString());
        Assert.Equal(("", $"hpcrun: {line}\n"), (result.Stdout, result.Stderr));
    }

    [Theory]
    [InlineData("HPCRUN_CACHEDIR", "cache")]
    [InlineData("APPTAINER_CACHEDIR", "scratch/apptainer")]
    [InlineData("SINGULARITY_CACHEDIR", "./old")]
    public void ARelativeCacheDirectoryIsRefusedByTheLauncherTheToolsAndDoctor(string variable, string value)
    {
        string cwd = Hpcrun.Script("mktemp -d").Stdout.Trim();
        try
        {
            var env = new Dictionary<string, string> { [variable] = value };
            string line = $"{variable} must be an absolute path, not '{value}': the image cache would be wherever " +
                "each job starts";
            OneLine(Hpcrun.Run(["--offline", "docker://registry.invalid/app:1", "true"], env, cwd), ExitCode.Usage,
                line);
            OneLine(Hpcrun.Run(["cache", "list"], env, cwd), ExitCode.Usage, line);
            OneLine(Hpcrun.Run(["pull", "--cache", "docker://registry.invalid/app:1"], env, cwd), ExitCode.Usage,
                line);
            CommandResult doctor = Hpcrun.Run(["doctor"], env, cwd); // the launch's refusal, as doctor's failure
            Assert.Equal((int)ExitCode.DoctorFoundFailures, doctor.ExitCode);
            Assert.Contains($"FAIL  image cache: {line} (fix: every `hpcrun docker://REF` here stops with this line; " +
                "local images run)\n", doctor.Stdout);
            Assert.Empty(Directory.EnumerateFileSystemEntries(cwd)); // no cache made there
        }
        finally { Directory.Delete(cwd, true); }
    }

    [Fact]
    public void ARelativeSiteConfigurationIsRefusedAlsoWhereTheFileIsThere()
    {
        string cwd = Hpcrun.Script("d=$(mktemp -d) && echo 'mpi = container' > $d/site.conf && echo $d").Stdout.Trim();
        try
        {
            OneLine(Hpcrun.Run([images.Image, "true"],
                    new Dictionary<string, string> { ["HPCRUN_CONFIG"] = "site.conf" }, cwd),
                ExitCode.SiteConfigInvalid, "HPCRUN_CONFIG must be an absolute path, not 'site.conf': each job " +
                "would read the file of that name in its own working directory");
        }
        finally { Directory.Delete(cwd, true); }
    }
}
