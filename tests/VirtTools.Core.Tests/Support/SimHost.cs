using VirtTools.Host;
using VirtTools.Testing;
using W = VirtTools.Testing.SimulatedHosts.Workstation;

namespace VirtTools.Tests;

/// <summary>A temp-dir workstation, removed afterwards.</summary>
public sealed class SimHost : IDisposable
{
    public SimHost(bool vfioLoaded = false) : this(root => SimulatedHosts.CreateWorkstation(root, vfioLoaded)) { }

    /// <summary>Another simulated host (e.g. <see cref="SimulatedHosts.CreateSriovWorkstation"/>) under a fresh temp root.</summary>
    public SimHost(Func<string, SimulatedKernel> create)
    {
        Root = Path.Combine(Path.GetTempPath(), "vt-sim-" + Guid.NewGuid().ToString("n"));
        Kernel = create(Root);
    }

    public string Root { get; }
    public SimulatedKernel Kernel { get; }

    /// <summary>Path → content (or "-> target" for links) of every entry, to prove that nothing changed.</summary>
    public SortedDictionary<string, string> Snapshot()
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        // Walked by hand: sysfs trees are full of directory symlinks that loop (device/subsystem/devices/...).
        void Walk(string dir)
        {
            foreach (var p in Directory.GetFileSystemEntries(dir))
            {
                var fi = new FileInfo(p);
                var rel = Path.GetRelativePath(Root, p);
                if (fi.LinkTarget is string l) map[rel] = "-> " + l;
                else if (Directory.Exists(p)) { map[rel] = "<dir>"; Walk(p); }
                else map[rel] = File.ReadAllText(p);
            }
        }
        Walk(Root);
        return map;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
