using VirtTools.Host;

namespace VirtTools.Testing;

/// <summary>
/// The hand-written host roots of tests/fixtures/hostconfig (see its README), copied into a temp
/// folder so tests can change them, and installed with scripted programs.
/// </summary>
public static class HostConfigRoots
{
    public static string FixtureDir(string name) => Path.Combine(Fixtures.RepoRoot, "tests", "fixtures", "hostconfig", name);

    /// <summary>Copies <paramref name="source"/> (regular files and folders only) to <paramref name="dest"/>; returns dest.</summary>
    public static string Copy(string source, string dest)
    {
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(dest, Path.GetRelativePath(source, dir)));
        Directory.CreateDirectory(dest);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(dest, Path.GetRelativePath(source, file)), overwrite: true);
        return dest;
    }

    /// <summary>A host context over <paramref name="root"/> whose programs are <paramref name="runner"/>'s scripts.</summary>
    public static HostContext Context(string root, IProcessRunner runner, IModuleLoader? modules = null)
    {
        var files = new DiskFileSystem(root);
        return new HostContext(files, modules ?? new ModprobeLoader(files, runner), runner);
    }

    /// <summary>Makes every cmdlet use <see cref="Context"/> until the result is disposed (or SimulatedKernel.Uninstall()).</summary>
    public static IDisposable Install(string root, IProcessRunner runner, IModuleLoader? modules = null)
    {
        var previous = HostContext.Override;
        var context = Context(root, runner, modules);
        HostContext.Override = () => context;
        return new Restore(() => HostContext.Override = previous);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}

