using System.Runtime.InteropServices;
using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

/// <summary>The seam's live implementation: one virConnectPtr.</summary>
internal sealed unsafe partial class NativeConnection : ILibvirtConnection
{
    private readonly ConnectHandle _h;

    private NativeConnection(ConnectHandle h) => _h = h;

    public static NativeConnection Open(string uri)
    {
        EnsureInitialized();
        BeforeOpen(uri);
        // virConnectAuthPtrDefault is an exported variable: read the pointer it holds.
        var authVar = NativeLibrary.GetExport(NativeLibrary.Load(Lib), "virConnectAuthPtrDefault");
        var h = virConnectOpenAuth(uri, Marshal.ReadIntPtr(authVar), 0);
        if (h.IsInvalid)
        {
            var e = LibvirtException.FromLastError("virConnectOpenAuth", uri);
            h.Dispose();
            var c = LibvirtErrorClassifier.ClassifyOpen(uri, e.Code, e.ErrorDomain, e.LibvirtMessage);
            throw new LibvirtException(e.Operation, e.Code, e.ErrorDomain,
                $"cannot connect to '{uri}': {e.LibvirtMessage}", uri, c.Id, c.Kind, c.Action);
        }
        var conn = new NativeConnection(h);
        conn.AfterOpen(uri);
        return conn;
    }

    internal static LibvirtException Fail(string op, object? target) => LibvirtException.FromLastError(op, target);
    internal static LibvirtException Fail(string op, Func<object?> target) => LibvirtException.FromLastError(op, target);

    private string? _uri;
    public string Uri => _uri ??= TakeString(virConnectGetURI(_h)) ?? throw Fail("virConnectGetURI", (object?)null);
    public string DriverType => BorrowString(virConnectGetType(_h)) ?? throw Fail("virConnectGetType", () => Uri);
    public string Hostname => TakeString(virConnectGetHostname(_h)) ?? throw Fail("virConnectGetHostname", () => Uri);
    public string GetCapabilities() => TakeString(virConnectGetCapabilities(_h)) ?? throw Fail("virConnectGetCapabilities", () => Uri);

    public string GetDomainCapabilities(string? emulator, string? arch, string? machine, string? virtType) =>
        // PowerShell passes $null to a string parameter as "": libvirt wants NULL for "the default".
        TakeString(virConnectGetDomainCapabilities(_h, Null(emulator), Null(arch), Null(machine), Null(virtType), 0))
        ?? throw Fail("virConnectGetDomainCapabilities", () => Uri);

    public ulong DaemonVersion => virConnectGetLibVersion(_h, out var v) < 0 ? throw Fail("virConnectGetLibVersion", () => Uri) : v;

    internal ConnectHandle Handle => _h;

    private static string? Null(string? s) => string.IsNullOrEmpty(s) ? null : s;

    public LibvirtNodeInfo GetNodeInfo()
    {
        if (virNodeGetInfo(_h, out var n) < 0) throw Fail("virNodeGetInfo", () => Uri);
        var model = Marshal.PtrToStringUTF8((IntPtr)n.Model) ?? "";
        return new LibvirtNodeInfo(model, (long)n.Memory * 1024, (int)n.Cpus, (int)n.Mhz, (int)n.Nodes, (int)n.Sockets, (int)n.Cores, (int)n.Threads);
    }

    public IReadOnlyList<ILibvirtDomain> ListDomains(DomainListFlags flags = DomainListFlags.All)
    {
        var n = virConnectListAllDomains(_h, out var arr, (uint)flags);
        if (n < 0) throw Fail("virConnectListAllDomains", () => Uri);
        return TakeArray<ILibvirtDomain>(arr, n, p => new NativeDomain(new DomainHandle(p)));
    }

    public ILibvirtDomain? FindDomain(string name) => Lookup(virDomainLookupByName(_h, name), "virDomainLookupByName", name);

    public ILibvirtDomain? FindDomain(Guid uuid) => Lookup(virDomainLookupByUUIDString(_h, uuid.ToString("D")), "virDomainLookupByUUIDString", uuid);

    private static ILibvirtDomain? Lookup(DomainHandle h, string op, object target)
    {
        if (!h.IsInvalid) return new NativeDomain(h);
        var e = Fail(op, target);
        h.Dispose();
        return e.Code == ErrorCodes.NoDomain ? null : throw e;
    }

    public ILibvirtDomain DefineDomain(string xml, DomainDefineFlags flags = DomainDefineFlags.None)
    {
        var h = virDomainDefineXMLFlags(_h, xml, (uint)flags);
        if (h.IsInvalid) { var e = Fail("virDomainDefineXMLFlags", (object?)null); h.Dispose(); throw e; }
        return new NativeDomain(h);
    }

    public bool NetworkExists(string name)
    {
        var p = virNetworkLookupByName(_h, name);
        if (p != IntPtr.Zero) { virNetworkFree(p); return true; }
        var e = Fail("virNetworkLookupByName", name);
        return e.Code == ErrorCodes.NoNetwork ? false : throw e;
    }

    public IReadOnlyList<ILibvirtStoragePool> ListStoragePools()
    {
        var n = virConnectListAllStoragePools(_h, out var arr, 0);
        if (n < 0) throw Fail("virConnectListAllStoragePools", () => Uri);
        return TakeArray<ILibvirtStoragePool>(arr, n, p => new NativeStoragePool(new StoragePoolHandle(p)));
    }

    public ILibvirtStoragePool? FindStoragePool(string name)
    {
        var h = virStoragePoolLookupByName(_h, name);
        if (!h.IsInvalid) return new NativeStoragePool(h);
        var e = Fail("virStoragePoolLookupByName", name);
        h.Dispose();
        return e.Code == ErrorCodes.NoStoragePool ? null : throw e;
    }

    public ILibvirtStoragePool DefineStoragePool(string xml)
    {
        var h = virStoragePoolDefineXML(_h, xml, 0);
        if (h.IsInvalid) { var e = Fail("virStoragePoolDefineXML", (object?)null); h.Dispose(); throw e; }
        return new NativeStoragePool(h);
    }

    public ILibvirtStorageVolume? FindStorageVolume(string path)
    {
        var h = virStorageVolLookupByPath(_h, path);
        if (!h.IsInvalid) return new NativeStorageVolume(h);
        var e = Fail("virStorageVolLookupByPath", path);
        h.Dispose();
        return e.Code == ErrorCodes.NoStorageVol ? null : throw e;
    }

    public void Dispose() => _h.Dispose();
}
