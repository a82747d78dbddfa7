using VirtTools.Libvirt;
using VirtTools.Tests.Guests;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Monitoring;

/// <summary>A counting test-driver connection and the guests a test started on it, removed again on Dispose.</summary>
public sealed class TestDriverGuests : IDisposable
{
    private readonly List<string> _names = new();

    public FaultyConnection C { get; } = new(LibvirtConnector.Open(LibvirtBindingTests.TestUri));

    /// <summary>Defines and starts <paramref name="name"/> (the minimal test guest unless <paramref name="xml"/> is given).</summary>
    public void Running(string name, string? xml = null)
    {
        Defined(name, xml);
        using var d = C.FindDomain(name)!;
        d.Start();
    }

    public void Defined(string name, string? xml = null)
    {
        _names.Add(name);
        C.DefineDomain(xml ?? LibvirtBindingTests.MinimalXml(name)).Dispose();
    }

    public void Dispose()
    {
        foreach (var n in _names)
        {
            using var d = C.FindDomain(n);
            if (d is null) continue;
            if (d.IsActive) d.Destroy();
            if (d.IsPersistent) d.Undefine();
        }
        C.Dispose();
    }
}
