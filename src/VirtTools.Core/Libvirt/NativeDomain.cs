using System.Runtime.InteropServices;
using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed unsafe partial class NativeDomain : ILibvirtDomain
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
