using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeConnection
{
    public IReadOnlyList<ILibvirtNetwork> ListNetworks()
    {
        var n = virConnectListAllNetworks(_h, out var arr, 0);
        if (n < 0) throw Fail("virConnectListAllNetworks", () => Uri);
        return TakeArray<ILibvirtNetwork>(arr, n, p => new NativeNetwork(new NetworkHandle(p)));
    }

    public ILibvirtNetwork? FindNetwork(string name)
    {
        var h = virNetworkLookupByNameHandle(_h, name);
        if (!h.IsInvalid) return new NativeNetwork(h);
        var e = Fail("virNetworkLookupByName", name);
        h.Dispose();
        return e.Code == ErrorCodes.NoNetwork ? null : throw e;
    }

    public ILibvirtNetwork DefineNetwork(string xml)
    {
        var h = virNetworkDefineXML(_h, xml);
        if (h.IsInvalid) { var e = Fail("virNetworkDefineXML", (object?)null); h.Dispose(); throw e; }
        return new NativeNetwork(h);
    }
}
