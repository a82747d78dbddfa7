using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Provisioning;

/// <summary>
/// The provisioning tests' ground: one test-driver connection held for the test (the driver keeps its state
/// while one is open), the pool they make volumes in, and a folder that stands for the host's root.
/// </summary>
public abstract class TestDriverPool : IDisposable
{
    public const string Pool = "default-pool";
    protected readonly string _root;
    protected readonly ILibvirtConnection _keep = LibvirtConnector.Open(LibvirtBindingTests.TestUri);

    protected TestDriverPool(string prefix)
    {
        _root = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
    }

    public void Dispose()
    {
        _keep.Dispose();
        Directory.Delete(_root, true);
    }

    /// <summary>A creator whose host files are under the test folder.</summary>
    protected GuestCreator Creator()
    {
        var fs = new DiskFileSystem(_root);
        return new GuestCreator(_keep, new HostContext(fs, new ModprobeLoader(fs, new SystemProcessRunner()), new SystemProcessRunner()));
    }

    /// <summary>The pool's volume names, sorted: equal before and after a refused or failed create.</summary>
    protected IReadOnlyList<string> Volumes()
    {
        using var p = _keep.FindStoragePool(Pool)!;
        var all = p.ListVolumes();
        try { return all.Select(v => v.Name).Order().ToList(); }
        finally { foreach (var v in all) v.Dispose(); }
    }
}
