using HpcRun.TestSupport;

namespace HpcRun.Tests.Integration;

/// <summary>The images the end-to-end tests run: the busybox SquashFS and tree from TestImages.</summary>
public sealed class ContainerFixture
{
    public string Image { get; } = TestImages.BusyboxSquashFs;
    public string Tree { get; } = TestImages.BusyboxTree;

    /// <summary>hpcrun IMAGE sh -c SCRIPT as the test user.</summary>
    public CommandResult Sh(string script, params string[] options) =>
        Hpcrun.Run([.. options, Image, "sh", "-c", script]);
}

[CollectionDefinition(Name)]
public sealed class ContainerCollection : ICollectionFixture<ContainerFixture>
{
    /// <summary>End-to-end tests share one collection: they run one at a time, so the leak checks see only
    /// their own processes.</summary>
    public const string Name = "containers";
}
