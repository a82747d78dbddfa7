using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeNetwork : ILibvirtNetwork
{
    private readonly NetworkHandle _h;
    private string? _name;

    internal NativeNetwork(NetworkHandle h) => _h = h;

    public string Name => _name ??= BorrowString(virNetworkGetName(_h)) ?? throw NativeConnection.Fail("virNetworkGetName", (object?)null);
    private void Check(int rc, string op) { if (rc < 0) throw NativeConnection.Fail(op, () => Name); }
    private bool Bool(int rc, string op) => rc < 0 ? throw NativeConnection.Fail(op, () => Name) : rc > 0;

    public bool IsActive => Bool(virNetworkIsActive(_h), "virNetworkIsActive");
    public bool IsPersistent => Bool(virNetworkIsPersistent(_h), "virNetworkIsPersistent");

    public bool Autostart
    {
        get { Check(virNetworkGetAutostart(_h, out var a), "virNetworkGetAutostart"); return a != 0; }
        set => Check(virNetworkSetAutostart(_h, value ? 1 : 0), "virNetworkSetAutostart");
    }

    public string GetXml() => TakeString(virNetworkGetXMLDesc(_h, 0)) ?? throw NativeConnection.Fail("virNetworkGetXMLDesc", () => Name);
    public void Start() => Check(virNetworkCreate(_h), "virNetworkCreate");
    public void Stop() => Check(virNetworkDestroy(_h), "virNetworkDestroy");
    public void Undefine() => Check(virNetworkUndefine(_h), "virNetworkUndefine");
    public void Dispose() => _h.Dispose();
}
