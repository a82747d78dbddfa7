using VirtTools.Host;
using VirtTools.Testing;

namespace VirtTools.Tests;

/// <summary>A temp directory per test with a SysfsTreeBuilder in it.</summary>
public sealed class TempTree : IDisposable
{
    public TempTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "vt-inv-" + Guid.NewGuid().ToString("N")[..12]);
        Builder = new SysfsTreeBuilder(Root);
    }

    public string Root { get; }
    public SysfsTreeBuilder Builder { get; }
    public DiskFileSystem Files => new(Root);

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}

/// <summary>Fails chosen reads with an errno, as an unreadable sysfs attribute would (tests run as root, so chmod cannot).</summary>
public sealed class FaultyFileSystem : DiskFileSystem
{
    private readonly Func<string, Errno?> _fault;

    public FaultyFileSystem(string root, Func<string, Errno?> fault) : base(root) => _fault = fault;

    public override int Read(string path, Span<byte> buffer) =>
        _fault(path) is Errno e ? throw new HostIOException(path, e) : base.Read(path, buffer);

    public override string ReadAllText(string path) =>
        _fault(path) is Errno e ? throw new HostIOException(path, e) : base.ReadAllText(path);
}
