using VirtTools.Host;
using VirtTools.Testing;

namespace VirtTools.Tests.HostConfig;

/// <summary>A copy of a tests/fixtures/hostconfig root (or an empty root) in a temp folder, with scripted programs.</summary>
public sealed class HostConfigTestRoot : IDisposable
{
    public HostConfigTestRoot(string? fixture = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "vt-hostconfig-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        if (fixture is not null) HostConfigRoots.Copy(HostConfigRoots.FixtureDir(fixture), Root);
        Host = HostConfigRoots.Context(Root, Runner);
    }

    public string Root { get; }
    public SimulatedProcessRunner Runner { get; } = new();
    public HostContext Host { get; }

    public string Path_(string hostPath) => Path.Join(Root, hostPath);
    public string Read(string hostPath) => File.ReadAllText(Path_(hostPath));
    public byte[] Bytes(string hostPath) => File.ReadAllBytes(Path_(hostPath));
    public bool Exists(string hostPath) => File.Exists(Path_(hostPath));

    public HostConfigTestRoot Write(string hostPath, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path_(hostPath))!);
        File.WriteAllText(Path_(hostPath), content);
        return this;
    }

    public static string Original(string fixture, string hostPath) =>
        File.ReadAllText(Path.Join(HostConfigRoots.FixtureDir(fixture), hostPath));

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
