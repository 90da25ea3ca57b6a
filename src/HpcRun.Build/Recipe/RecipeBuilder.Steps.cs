namespace HpcRun.Build.Recipe;

public static partial class RecipeBuilder
{
    /// <summary>Where each step's tree is: the cache, the working tree, or to be made again.</summary>
    private sealed partial class Run
    {
        private bool Hit(string key)
        {
            if (cache.Tree(key) is null) return false;
            Cached(key);
            return true;
        }

        private string Done(string key, string tree, StageState state, ref string? materialized)
        {
            materialized = key;
            pending[tree] = new Pending(key, state, Base: false);
            return key;
        }

        /// <summary>Before a step changes <paramref name="tree"/>: the cache gets a copy of the step that made it
        /// (a rereadable FROM: its state alone).</summary>
        private void Keep(string tree)
        {
            if (pending.Remove(tree, out Pending? made)
                && cache.Store(made.Key, made.Base ? null : tree, made.State, move: false, Synced(tree), cancel)
                    is { } stored && cache.Made(made.Key) // not another build's tree of the same step
                && SharedFiles.Now(stored, scratch) is { } now)
                synced[tree] = now;
        }

        /// <summary>What <paramref name="tree"/> was last the same as, forgotten: it is about to be stored, moved or
        /// replaced.</summary>
        private SharedFiles.SameAs? Synced(string tree) =>
            synced.Remove(tree, out SharedFiles.SameAs same) ? same : null;

        /// <summary>Makes <paramref name="tree"/> hold the tree of <paramref name="key"/>: from the cache, an earlier
        /// stage's last tree, or its FROM's image read again, unless it holds it already. What it held before goes
        /// into the cache when it is not there yet.</summary>
        private void Materialize(string tree, string key, ref string? materialized)
        {
            if (materialized == key) return;
            if (pending.Remove(tree, out Pending? made))
                cache.Store(made.Key, tree, made.State, move: true, Synced(tree), cancel);
            TreeCopy.Remove(tree);
            Synced(tree);
            if (Ready(key) is { } source)
            {
                TreeCopy.Copy(source, tree, cancel);
                if (SharedFiles.Now(source, scratch) is { } now) synced[tree] = now;
            }
            else if (bases.TryGetValue(key, out BaseImage? image))
                image.Unpack(tree, scratch, request, reporter, cancel);
            else throw new ImageBuildException("the build cache lost a step while the build ran: build again");
            materialized = key;
        }

        /// <summary>A tree of <paramref name="key"/> that is there to read: in the cache, or an earlier stage's last
        /// (no cache); null when it must be made.</summary>
        private string? Ready(string key) => cache.Tree(key) ?? done.FirstOrDefault(d => d?.TreeKey == key)?.Tree;

        private bool cachedLine;

        /// <summary>The step <paramref name="key"/> came from the cache: its line says so, and the cache records the
        /// use (`cache clean --older-than` keeps what builds still use).</summary>
        private void Cached(string key)
        {
            cachedLine = true;
            cache.Used(key);
        }
    }
}
