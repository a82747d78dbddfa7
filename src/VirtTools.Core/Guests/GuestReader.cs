using System.Globalization;
using System.Xml.Linq;
using VirtTools.Libvirt;
using VirtTools.Pci;

namespace VirtTools.Guests;

/// <summary>The one reader of libvirt domain XML: definitions, and <see cref="VMGuest"/> objects from them.</summary>
public static class GuestReader
{
    public static VMGuest Read(ILibvirtDomain d, string connectionUri) => Read(d, connectionUri, null);

    /// <summary>One guest of a listing: state, autostart and persistence from <paramref name="facts"/> when given.</summary>
    public static VMGuest Read(ILibvirtDomain d, string connectionUri, GuestListFacts? facts)
    {
        var uuid = facts is null ? Guid.Empty : d.Uuid;
        var (state, reason) = facts?.StateOf(d, uuid) ?? d.GetState();
        var root = XDocument.Parse(d.GetXml()).Root ?? throw new FormatException("empty domain XML");
        var def = Definition(root);
        return new VMGuest
        {
            Name = d.Name,
            Uuid = def.Uuid ?? d.Uuid,
            Id = d.Id,
            State = state.ToString(),
            StateReason = ReasonName(state, reason),
            Hypervisor = HypervisorName(def.DomainType),
            Mode = def.Mode,
            MemoryBytes = def.MemoryBytes,
            MaximumMemoryBytes = def.MaximumMemoryBytes,
            ProcessorCount = def.ProcessorCount,
            MaximumProcessorCount = def.MaximumProcessorCount,
            Description = def.Description,
            Firmware = def.Firmware,
            Disks = def.DiskSources.ToArray(),
            Interfaces = def.Interfaces.ToArray(),
            DiskDrives = def.Disks.Select(GuestSummaries.Drive).ToArray(),
            NetworkAdapters = Networking.GuestNicReader.Read(root).Select(GuestSummaries.Adapter).ToArray(),
            HostDevices = def.PciHostDevices.Select(a => a.ToString()).ToArray(),
            Autostart = facts?.AutostartOf(d, uuid) ?? d.Autostart,
            Persistent = facts?.PersistentOf(d, uuid) ?? d.IsPersistent,
            ConnectionUri = connectionUri,
        };
    }

    public static DomainDefinition Definition(string domainXml) =>
        Definition(XDocument.Parse(domainXml).Root ?? throw new FormatException("empty domain XML"));

    public static DomainDefinition Definition(XElement root)
    {
        var type = (string?)root.Attribute("type") ?? "";
        var os = root.Element("os");
        var mode = ModeOf(root, type);
        var maxMemory = MemoryBytes(root.Element("memory"));
        var vcpu = root.Element("vcpu");
        var maxVcpus = Int((string?)vcpu) ?? 0;
        return new DomainDefinition
        {
            Name = (string?)root.Element("name") ?? "",
            Uuid = Guid.TryParse((string?)root.Element("uuid"), out var u) ? u : null,
            DomainType = type,
            Mode = mode,
            Firmware = mode == "PV" ? null : FirmwareOf(root),
            UsesPflash = (string?)os?.Attribute("firmware") == "efi" || (string?)os?.Element("loader")?.Attribute("type") == "pflash",
            MemoryBytes = root.Element("currentMemory") is { } cur ? MemoryBytes(cur) : maxMemory,
            MaximumMemoryBytes = maxMemory,
            ProcessorCount = Int((string?)vcpu?.Attribute("current")) ?? maxVcpus,
            MaximumProcessorCount = maxVcpus,
            Description = (string?)root.Element("description"),
            Disks = Disks(root).ToArray(),
            Interfaces = Interfaces(root).ToArray(),
            PciHostDevices = HostDeviceAddresses(root).ToArray(),
        };
    }

    private static int? Int(string? s) =>
        int.TryParse(s?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    public static string HypervisorName(string domainType) => domainType switch
    {
        "kvm" => "KVM",
        "qemu" => "QEMU",
        "xen" => "Xen",
        _ => domainType,
    };

    /// <summary>
    /// Xen: os type xen (or 'linux', libvirt's old name for it) is PV; HVM with any xen-bus disk or
    /// netfront NIC is PVHVM; else FV. Every other hypervisor is FV.
    /// </summary>
    public static string ModeOf(XElement root, string domainType)
    {
        var osType = (string?)root.Element("os")?.Element("type");
        if (osType is "xen" or "linux") return "PV";
        if (domainType != "xen") return "FV";
        var devices = root.Element("devices");
        var pvDevices = devices?.Elements("disk").Any(x => (string?)x.Element("target")?.Attribute("bus") == "xen") == true
                        || devices?.Elements("interface").Any(x => (string?)x.Element("model")?.Attribute("type") == "netfront") == true;
        return pvDevices ? "PVHVM" : "FV";
    }

    private static string FirmwareOf(XElement root)
    {
        var os = root.Element("os");
        if ((string?)os?.Attribute("firmware") == "efi") return "Uefi";
        var loader = os?.Element("loader");
        if ((string?)loader?.Attribute("type") == "pflash") return "Uefi";
        var path = loader?.Value ?? "";
        return path.Contains("OVMF", StringComparison.OrdinalIgnoreCase) || path.Contains("efi", StringComparison.OrdinalIgnoreCase)
            ? "Uefi" : "Bios";
    }

    internal static long MemoryBytes(XElement? memory)
    {
        if (memory is null || !long.TryParse(memory.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return 0;
        return ((string?)memory.Attribute("unit") ?? "KiB") switch
        {
            "b" or "bytes" => n,
            "KB" => n * 1000,
            "k" or "KiB" => n * 1024,
            "MB" => n * 1000_000,
            "M" or "MiB" => n << 20,
            "GB" => n * 1000_000_000,
            "G" or "GiB" => n << 30,
            "T" or "TiB" => n << 40,
            _ => n * 1024,
        };
    }

    private static IEnumerable<DomainDisk> Disks(XElement root) =>
        (root.Element("devices")?.Elements("disk") ?? Enumerable.Empty<XElement>()).Select(d =>
        {
            var s = d.Element("source");
            var pool = (string?)s?.Attribute("pool");
            var volume = (string?)s?.Attribute("volume");
            var source = Storage.GuestDiskReader.SourceText(d);
            return new DomainDisk(
                (string?)d.Element("target")?.Attribute("dev") ?? "",
                (string?)d.Attribute("device") ?? "disk",
                (string?)d.Attribute("type") ?? "file",
                (string?)d.Element("driver")?.Attribute("type"),
                source,
                volume is null ? null : pool,
                d.Element("readonly") is not null,
                d.Element("shareable") is not null);
        });

    private static IEnumerable<string> Interfaces(XElement root) =>
        (root.Element("devices")?.Elements("interface") ?? Enumerable.Empty<XElement>()).Select(i =>
        {
            var type = (string?)i.Attribute("type") ?? "";
            var what = Networking.GuestNicReader.SourceOf(i, type);
            return what is null ? type : $"{type}:{what}";
        });

    /// <summary>
    /// The PCI functions a domain definition gives its guest: PCI hostdevs (managed or not), hostdev
    /// interfaces, and network interfaces whose actual device (live XML and status files:
    /// &lt;actual type='hostdev'&gt;) is one. libvirt counts all three as host devices: each pins the guest
    /// to this host (no migration, no memory snapshot) and holds the function.
    /// </summary>
    public static IEnumerable<PciAddress> HostDeviceAddresses(XElement root) =>
        HostDeviceElements(root).Select(e => e.Address).Distinct();

    /// <summary>
    /// Each device element of <see cref="HostDeviceAddresses"/> with its address: the &lt;hostdev&gt; or the
    /// &lt;interface&gt; itself, which is what libvirt must be given back to detach it exactly.
    /// </summary>
    public static IEnumerable<(XElement Element, PciAddress Address)> HostDeviceElements(XElement root)
    {
        var devices = root.Element("devices");
        if (devices is null) yield break;
        foreach (var h in devices.Elements("hostdev"))
            if ((string?)h.Attribute("type") == "pci" && SourceAddress(h) is PciAddress a) yield return (h, a);
        foreach (var i in devices.Elements("interface"))
        {
            var hostdev = (string?)i.Attribute("type") == "hostdev" ? i : i.Elements("actual").FirstOrDefault(x => (string?)x.Attribute("type") == "hostdev");
            if (hostdev is not null && SourceAddress(hostdev) is PciAddress a) yield return (i, a);
        }
    }

    /// <summary>libvirt's address attributes: hex with 0x ("0x03") or decimal ("3"), as it parses them.</summary>
    private static PciAddress? SourceAddress(XElement device)
    {
        var address = device.Element("source")?.Element("address");
        if (address is null) return null;
        static int? Num(XElement e, string name)
        {
            var v = ((string?)e.Attribute(name))?.Trim();
            if (string.IsNullOrEmpty(v)) return name == "domain" ? 0 : null;
            if (v.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                return int.TryParse(v[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h) ? h : null;
            return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : null;
        }
        var type = (string?)address.Attribute("type");
        if (type is not null && type != "pci") return null;
        if (Num(address, "domain") is not int dom || Num(address, "bus") is not int bus ||
            Num(address, "slot") is not int slot || Num(address, "function") is not int fn) return null;
        if (slot > 0x1f || fn > 7 || bus > 0xff) return null;
        return new PciAddress(dom, bus, slot, fn);
    }

    /// <summary>libvirt's VIR_DOMAIN_&lt;STATE&gt;_* reason names for each state.</summary>
    public static string ReasonName(DomainState state, int reason)
    {
        string[] names = state switch
        {
            DomainState.Running => ["Unknown", "Booted", "Migrated", "Restored", "FromSnapshot", "Unpaused", "MigrationCanceled",
                "SaveCanceled", "Wakeup", "Crashed", "PostCopy", "PostCopyFailed"],
            DomainState.Blocked => ["Unknown"],
            DomainState.Paused => ["Unknown", "User", "Migration", "Save", "Dump", "IOError", "Watchdog", "FromSnapshot", "ShuttingDown",
                "Snapshot", "Crashed", "StartingUp", "PostCopy", "PostCopyFailed", "APIError"],
            DomainState.ShuttingDown => ["Unknown", "User"],
            DomainState.ShutOff => ["Unknown", "Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "FromSnapshot", "Daemon"],
            DomainState.Crashed => ["Unknown", "Panicked"],
            DomainState.PMSuspended => ["Unknown"],
            _ => ["Unknown"],
        };
        return reason >= 0 && reason < names.Length ? names[reason] : reason.ToString(CultureInfo.InvariantCulture);
    }
}
