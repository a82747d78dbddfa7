using System.Runtime.InteropServices;
using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

/// <summary>The seam's live implementation: one virConnectPtr.</summary>
internal sealed unsafe class NativeConnection : ILibvirtConnection
{
    private readonly ConnectHandle _h;

    private NativeConnection(ConnectHandle h) => _h = h;

    public static NativeConnection Open(string uri)
    {
        EnsureInitialized();
        // virConnectAuthPtrDefault is an exported variable: read the pointer it holds.
        var authVar = NativeLibrary.GetExport(NativeLibrary.Load(Lib), "virConnectAuthPtrDefault");
        var h = virConnectOpenAuth(uri, Marshal.ReadIntPtr(authVar), 0);
        if (h.IsInvalid)
        {
            var e = LibvirtException.FromLastError("virConnectOpenAuth", uri);
            h.Dispose();
            var unreachable = e.Kind == FailureKind.ConnectionError || e.ErrorId == "LibvirtError";
            throw new LibvirtException(e.Operation, e.Code, e.ErrorDomain,
                $"cannot connect to '{uri}': {e.LibvirtMessage}", uri,
                unreachable ? "LibvirtConnectionFailed" : e.ErrorId, unreachable ? FailureKind.ConnectionError : e.Kind,
                unreachable
                    ? "Start libvirtd (or virtqemud/virtxend) on that host, check the URI (-ConnectionUri) and that you may use its socket (root or the libvirt group)."
                    : e.RecommendedAction);
        }
        return new NativeConnection(h);
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

internal sealed unsafe class NativeDomain : ILibvirtDomain
{
    private readonly DomainHandle _h;
    private string? _name;

    internal NativeDomain(DomainHandle h) => _h = h;

    private void Check(int rc, string op) { if (rc < 0) throw NativeConnection.Fail(op, () => Name); }

    public string Name => _name ??= BorrowString(virDomainGetName(_h)) ?? throw NativeConnection.Fail("virDomainGetName", (object?)null);

    public Guid Uuid
    {
        get
        {
            var buf = stackalloc byte[37]; // VIR_UUID_STRING_BUFLEN
            Check(virDomainGetUUIDString(_h, buf), "virDomainGetUUIDString");
            return Guid.Parse(Marshal.PtrToStringUTF8((IntPtr)buf)!);
        }
    }

    public int? Id
    {
        get
        {
            var id = virDomainGetID(_h);
            return id == uint.MaxValue ? null : (int)id;
        }
    }

    public (DomainState State, int Reason) GetState()
    {
        Check(virDomainGetState(_h, out var s, out var r, 0), "virDomainGetState");
        return ((DomainState)s, r);
    }

    public LibvirtDomainInfo GetInfo()
    {
        Check(virDomainGetInfo(_h, out var i), "virDomainGetInfo");
        return new LibvirtDomainInfo((DomainState)i.State, (long)i.MaxMem * 1024, (long)i.Memory * 1024, i.NrVirtCpu,
            TimeSpan.FromTicks((long)(i.CpuTime / 100)));
    }

    public string GetXml(DomainXmlFlags flags = DomainXmlFlags.None) =>
        TakeString(virDomainGetXMLDesc(_h, (uint)flags)) ?? throw NativeConnection.Fail("virDomainGetXMLDesc", () => Name);

    private bool Bool(int rc, string op) => rc < 0 ? throw NativeConnection.Fail(op, () => Name) : rc > 0;

    public bool IsActive => Bool(virDomainIsActive(_h), "virDomainIsActive");
    public bool IsPersistent => Bool(virDomainIsPersistent(_h), "virDomainIsPersistent");
    public bool HasManagedSave => Bool(virDomainHasManagedSaveImage(_h, 0), "virDomainHasManagedSaveImage");

    public bool Autostart
    {
        get { Check(virDomainGetAutostart(_h, out var a), "virDomainGetAutostart"); return a != 0; }
        set => Check(virDomainSetAutostart(_h, value ? 1 : 0), "virDomainSetAutostart");
    }

    public void Start(DomainCreateFlags flags) => Check(virDomainCreateWithFlags(_h, (uint)flags), "virDomainCreateWithFlags");
    public void Shutdown(DomainShutdownFlags flags) => Check(virDomainShutdownFlags(_h, (uint)flags), "virDomainShutdownFlags");
    public void Destroy(DomainDestroyFlags flags) => Check(virDomainDestroyFlags(_h, (uint)flags), "virDomainDestroyFlags");
    public void Reboot(DomainShutdownFlags flags) => Check(virDomainReboot(_h, (uint)flags), "virDomainReboot");
    public void Reset() => Check(virDomainReset(_h, 0), "virDomainReset");
    public void Suspend() => Check(virDomainSuspend(_h), "virDomainSuspend");
    public void Resume() => Check(virDomainResume(_h), "virDomainResume");
    public void ManagedSave() => Check(virDomainManagedSave(_h, 0), "virDomainManagedSave");
    public void RemoveManagedSave() => Check(virDomainManagedSaveRemove(_h, 0), "virDomainManagedSaveRemove");
    public void Undefine(DomainUndefineFlags flags) => Check(virDomainUndefineFlags(_h, (uint)flags), "virDomainUndefineFlags");
    public void AttachDevice(string xml, DomainModificationFlags flags) => Check(virDomainAttachDeviceFlags(_h, xml, (uint)flags), "virDomainAttachDeviceFlags");
    public void DetachDevice(string xml, DomainModificationFlags flags) => Check(virDomainDetachDeviceFlags(_h, xml, (uint)flags), "virDomainDetachDeviceFlags");

    public LibvirtJobStats GetJobStats() => GetJobStats(JobStatsFlags.None);

    public LibvirtJobStats GetJobStats(JobStatsFlags flags)
    {
        Check(virDomainGetJobStats(_h, out var type, out var p, out var n, (uint)flags), "virDomainGetJobStats");
        try { return new LibvirtJobStats((DomainJobType)type, TypedParams.Read(p, n)); }
        finally { virTypedParamsFree(p, n); }
    }

    public void AbortJob() => Check(virDomainAbortJob(_h), "virDomainAbortJob");

    public void MigrateToUri(string? destinationUri, IReadOnlyDictionary<string, object> parameters, MigrateFlags flags)
    {
        var (p, n) = TypedParams.Build(parameters);
        try { Check(virDomainMigrateToURI3(_h, destinationUri, p, n, (uint)flags), "virDomainMigrateToURI3"); }
        finally { virTypedParamsFree(p, n); }
    }

    public ILibvirtDomain Migrate(ILibvirtConnection destination, IReadOnlyDictionary<string, object> parameters, MigrateFlags flags)
    {
        if (destination is not NativeConnection dconn)
            throw new ArgumentException("the destination must be a libvirt connection opened by LibvirtConnector", nameof(destination));
        var (p, n) = TypedParams.Build(parameters);
        try
        {
            var d = virDomainMigrate3(_h, dconn.Handle, p, (uint)n, (uint)flags);
            if (d.IsInvalid) { var e = NativeConnection.Fail("virDomainMigrate3", () => Name); d.Dispose(); throw e; }
            return new NativeDomain(d);
        }
        finally { virTypedParamsFree(p, n); }
    }

    public ILibvirtSnapshot CreateSnapshot(string xml, SnapshotCreateFlags flags)
    {
        var s = virDomainSnapshotCreateXML(_h, xml, (uint)flags);
        if (s.IsInvalid) { var e = NativeConnection.Fail("virDomainSnapshotCreateXML", () => Name); s.Dispose(); throw e; }
        return new NativeSnapshot(s);
    }

    public IReadOnlyList<ILibvirtSnapshot> ListSnapshots(SnapshotListFlags flags)
    {
        var n = virDomainListAllSnapshots(_h, out var arr, (uint)flags);
        if (n < 0) throw NativeConnection.Fail("virDomainListAllSnapshots", () => Name);
        return TakeArray<ILibvirtSnapshot>(arr, n, p => new NativeSnapshot(new SnapshotHandle(p)));
    }

    public ILibvirtSnapshot? FindSnapshot(string name) => SnapshotOrNull(virDomainSnapshotLookupByName(_h, name, 0), "virDomainSnapshotLookupByName");
    public ILibvirtSnapshot? CurrentSnapshot() => SnapshotOrNull(virDomainSnapshotCurrent(_h, 0), "virDomainSnapshotCurrent");

    private ILibvirtSnapshot? SnapshotOrNull(SnapshotHandle s, string op)
    {
        if (!s.IsInvalid) return new NativeSnapshot(s);
        var e = NativeConnection.Fail(op, () => Name);
        s.Dispose();
        return e.Code == ErrorCodes.NoDomainSnapshot ? null : throw e;
    }

    public void Dispose() => _h.Dispose();
}

internal sealed class NativeSnapshot : ILibvirtSnapshot
{
    private readonly SnapshotHandle _h;
    internal NativeSnapshot(SnapshotHandle h) => _h = h;
    private string? _name;
    public string Name => _name ??= BorrowString(virDomainSnapshotGetName(_h)) ?? throw NativeConnection.Fail("virDomainSnapshotGetName", (object?)null);
    public string GetXml() => TakeString(virDomainSnapshotGetXMLDesc(_h, 0)) ?? throw NativeConnection.Fail("virDomainSnapshotGetXMLDesc", () => Name);
    public bool IsCurrent
    {
        get
        {
            var rc = virDomainSnapshotIsCurrent(_h, 0);
            return rc < 0 ? throw NativeConnection.Fail("virDomainSnapshotIsCurrent", () => Name) : rc > 0;
        }
    }
    public void Revert(SnapshotRevertFlags flags)
    {
        if (virDomainRevertToSnapshot(_h, (uint)flags) < 0) throw NativeConnection.Fail("virDomainRevertToSnapshot", () => Name);
    }
    public void Delete(SnapshotDeleteFlags flags)
    {
        if (virDomainSnapshotDelete(_h, (uint)flags) < 0) throw NativeConnection.Fail("virDomainSnapshotDelete", () => Name);
    }
    public void Dispose() => _h.Dispose();
}

internal sealed class NativeStoragePool : ILibvirtStoragePool
{
    private readonly StoragePoolHandle _h;
    internal NativeStoragePool(StoragePoolHandle h) => _h = h;
    private string? _name;
    public string Name => _name ??= BorrowString(virStoragePoolGetName(_h)) ?? throw NativeConnection.Fail("virStoragePoolGetName", (object?)null);
    private void Check(int rc, string op) { if (rc < 0) throw NativeConnection.Fail(op, () => Name); }
    public bool IsActive
    {
        get
        {
            var rc = virStoragePoolIsActive(_h);
            return rc < 0 ? throw NativeConnection.Fail("virStoragePoolIsActive", () => Name) : rc > 0;
        }
    }
    public string GetXml() => TakeString(virStoragePoolGetXMLDesc(_h, 0)) ?? throw NativeConnection.Fail("virStoragePoolGetXMLDesc", () => Name);
    public void Start() => Check(virStoragePoolCreate(_h, 0), "virStoragePoolCreate");
    public void Stop() => Check(virStoragePoolDestroy(_h), "virStoragePoolDestroy");
    public void Undefine() => Check(virStoragePoolUndefine(_h), "virStoragePoolUndefine");
    public void Refresh() => Check(virStoragePoolRefresh(_h, 0), "virStoragePoolRefresh");

    public IReadOnlyList<ILibvirtStorageVolume> ListVolumes()
    {
        var n = virStoragePoolListAllVolumes(_h, out var arr, 0);
        if (n < 0) throw NativeConnection.Fail("virStoragePoolListAllVolumes", () => Name);
        return TakeArray<ILibvirtStorageVolume>(arr, n, p => new NativeStorageVolume(NewVol(p)));
    }

    private static StorageVolHandle NewVol(IntPtr p)
    {
        var h = new StorageVolHandle();
        Marshal.InitHandle(h, p);
        return h;
    }

    public ILibvirtStorageVolume? FindVolume(string name)
    {
        var h = virStorageVolLookupByName(_h, name);
        if (!h.IsInvalid) return new NativeStorageVolume(h);
        var e = NativeConnection.Fail("virStorageVolLookupByName", name);
        h.Dispose();
        return e.Code == ErrorCodes.NoStorageVol ? null : throw e;
    }

    public ILibvirtStorageVolume CreateVolume(string xml, StorageVolumeCreateFlags flags)
    {
        var h = virStorageVolCreateXML(_h, xml, (uint)flags);
        if (h.IsInvalid) { var e = NativeConnection.Fail("virStorageVolCreateXML", () => Name); h.Dispose(); throw e; }
        return new NativeStorageVolume(h);
    }

    public void Dispose() => _h.Dispose();
}

internal sealed class NativeStorageVolume : ILibvirtStorageVolume
{
    private readonly StorageVolHandle _h;
    internal NativeStorageVolume(StorageVolHandle h) => _h = h;
    private string? _name, _path;
    public string Name => _name ??= BorrowString(virStorageVolGetName(_h)) ?? throw NativeConnection.Fail("virStorageVolGetName", (object?)null);
    public string Path => _path ??= TakeString(virStorageVolGetPath(_h)) ?? throw NativeConnection.Fail("virStorageVolGetPath", () => Name);
    public long CapacityBytes
    {
        get
        {
            if (virStorageVolGetInfo(_h, out var i) < 0) throw NativeConnection.Fail("virStorageVolGetInfo", () => Name);
            return (long)i.Capacity;
        }
    }
    public string GetXml() => TakeString(virStorageVolGetXMLDesc(_h, 0)) ?? throw NativeConnection.Fail("virStorageVolGetXMLDesc", () => Name);
    public void Delete(StorageVolumeDeleteFlags flags)
    {
        if (virStorageVolDelete(_h, (uint)flags) < 0) throw NativeConnection.Fail("virStorageVolDelete", () => Name);
    }
    public void Dispose() => _h.Dispose();
}

/// <summary>virTypedParameter arrays: built with libvirt's own virTypedParamsAdd*, read field by field.</summary>
internal static unsafe class TypedParams
{
    public static (IntPtr Params, int Count) Build(IReadOnlyDictionary<string, object> values)
    {
        IntPtr p = IntPtr.Zero;
        int n = 0, max = 0;
        try
        {
            foreach (var (k, v) in values)
            {
                var rc = v switch
                {
                    string s => virTypedParamsAddString(ref p, ref n, ref max, k, s),
                    int i => virTypedParamsAddInt(ref p, ref n, ref max, k, i),
                    uint u => virTypedParamsAddUInt(ref p, ref n, ref max, k, u),
                    long l => virTypedParamsAddLLong(ref p, ref n, ref max, k, l),
                    ulong ul => virTypedParamsAddULLong(ref p, ref n, ref max, k, ul),
                    double d => virTypedParamsAddDouble(ref p, ref n, ref max, k, d),
                    bool b => virTypedParamsAddBoolean(ref p, ref n, ref max, k, b ? 1 : 0),
                    _ => throw new ArgumentException($"typed parameter '{k}': unsupported value type {v?.GetType().Name ?? "null"}", nameof(values)),
                };
                if (rc < 0) throw NativeConnection.Fail("virTypedParamsAdd", k);
            }
            return (p, n);
        }
        catch
        {
            virTypedParamsFree(p, n);
            throw;
        }
    }

    public static Dictionary<string, object> Read(IntPtr p, int n)
    {
        var d = new Dictionary<string, object>(StringComparer.Ordinal);
        var a = (TypedParameter*)p;
        for (var i = 0; i < n; i++)
        {
            var name = Marshal.PtrToStringUTF8((IntPtr)a[i].Field) ?? "";
            var raw = a[i].Value;
            object v = a[i].Type switch
            {
                1 => (int)raw,
                2 => (uint)raw,
                3 => raw,
                4 => (ulong)raw,
                5 => BitConverter.Int64BitsToDouble(raw),
                6 => (int)raw != 0,
                7 => Marshal.PtrToStringUTF8((IntPtr)raw) ?? "",
                _ => raw,
            };
            d[name] = v;
        }
        return d;
    }
}
