namespace HpcRun.Mpi;

/// <summary>A host file bound at <see cref="Target"/> inside the container.</summary>
public sealed record LibraryBind(string HostPath, string Target);

/// <summary>What injecting the host MPI takes: binds (host libraries into <see cref="MpiInjection.LibraryDirectory"/>
/// and over the image's MPI libraries) and warnings for the user; or a one-line refusal.</summary>
public sealed record MpiInjection(IReadOnlyList<LibraryBind> Binds, IReadOnlyList<string> Warnings,
    string? Refusal = null)
{
    /// <summary>Where the host libraries appear inside; prepended to LD_LIBRARY_PATH.</summary>
    public const string LibraryDirectory = "/.hpcrun/mpi/lib";

    /// <summary>MPICH ABI sonames that name the same library: MPICH ships libmpich.so.12 where
    /// Intel MPI and MVAPICH ship libmpi.so.12, so either satisfies a program linked to the other.</summary>
    private static readonly string[][] MpichAliases =
    [
        ["libmpi.so.12", "libmpich.so.12"],
        ["libmpicxx.so.12", "libmpichcxx.so.12"],
        ["libmpifort.so.12", "libmpichfort.so.12"],
    ];

    /// <summary>Why host MPI cannot be injected from <paramref name="host"/> into any image: it has none; null when it
    /// has one.</summary>
    public static string? HostRefusal(HostMpi host) => host.Stacks.Count > 0 ? null
        : "host MPI asked for, but no MPI library found on the host " +
            $"(looked in the ld.so.cache; set {HostMpiReader.LibsVariable})";

    public static MpiInjection Plan(HostMpi host, ImageMpi image, MpiCompatibility level)
    {
        if (HostRefusal(host) is { } none) return Refuse(none);
        var binds = new List<LibraryBind>();
        var warnings = new List<string>();
        IEnumerable<HostMpiStack> injected = host.Stacks;
        if (image.Installations.Count == 0)
            warnings.Add("the image has no MPI library of its own: the host's are only put on the library path");
        else
        {
            var matched = new List<HostMpiStack>();
            foreach (MpiInstallation mine in image.Installations)
            {
                HostMpiStack? stack = host.Stacks.FirstOrDefault(s => s.Installation.Family == mine.Family);
                AbiVerdict verdict = AbiCheck.Check((stack ?? host.Stacks[0]).Installation, mine, level);
                if (!verdict.Compatible) return Refuse(verdict.Refusal!);
                warnings.AddRange(verdict.Warnings);
                matched.Add(stack!);
                binds.AddRange(OverImage(stack!.Installation, mine));
            }
            injected = matched.Distinct();
        }
        foreach (HostMpiStack stack in injected)
        {
            if (AbiCheck.CheckGlibc(stack, image.Glibc) is { } refusal) return Refuse(refusal);
            warnings.AddRange(stack.Unresolved.Select(u => $"host MPI dependency {u} not found; not injected"));
            binds.AddRange(IntoLibraryDirectory(stack));
        }
        return new MpiInjection([.. binds.DistinctBy(b => b.Target)], warnings);
    }

    private static MpiInjection Refuse(string why) => new([], [], why);

    /// <summary>Each image MPI library the host has (by soname or MPICH alias) is covered by the host's file.</summary>
    private static IEnumerable<LibraryBind> OverImage(MpiInstallation host, MpiInstallation image) =>
        from mine in image.Libraries
        let theirs = host.Libraries.FirstOrDefault(h => Equivalent(h.Soname, mine.Soname))
        where theirs is not null
        select new LibraryBind(theirs.RealPath, mine.RealPath);

    /// <summary>Every host MPI library and dependency by its soname, plus the MPICH aliases the host lacks.</summary>
    private static IEnumerable<LibraryBind> IntoLibraryDirectory(HostMpiStack stack)
    {
        var libraries = stack.Installation.Libraries.Select(l => new HostLibrary(l.Soname, l.RealPath))
            .Concat(stack.Dependencies).ToList();
        foreach (HostLibrary library in libraries.ToList())
            foreach (string alias in MpichAliases.Where(a => a.Contains(library.Soname)).SelectMany(a => a))
                if (!libraries.Any(l => l.Soname == alias)) libraries.Add(library with { Soname = alias });
        return libraries.Select(l => new LibraryBind(l.RealPath, $"{LibraryDirectory}/{l.Soname}"));
    }

    private static bool Equivalent(string a, string b) =>
        a == b || MpichAliases.Any(set => set.Contains(a) && set.Contains(b));
}
