using System.Globalization;
using System.Xml.Linq;
using VirtTools.Libvirt;
using VirtTools.Pci;

namespace VirtTools.Guests;

/// <summary>Turns libvirt domains into <see cref="VMGuest"/> objects.</summary>
public static class GuestReader
{
    public static VMGuest Read(ILibvirtDomain d, string connectionUri)
    {
        var (state, reason) = d.GetState();
        var xml = XDocument.Parse(d.GetXml());
        var root = xml.Root!;
        var type = (string?)root.Attribute("type") ?? "";
        var g = new VMGuest
        {
            Name = d.Name,
            Uuid = Guid.TryParse((string?)root.Element("uuid"), out var u) ? u : d.Uuid,
            Id = d.Id,
            State = state.ToString(),
            StateReason = ReasonName(state, reason),
            Hypervisor = HypervisorName(type),
            Mode = ModeOf(root, type),
            MemoryBytes = MemoryBytes(root.Element("memory")),
            ProcessorCount = int.TryParse((string?)root.Element("vcpu"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0,
            Disks = DiskSources(root).ToArray(),
            Interfaces = Interfaces(root).ToArray(),
            HostDevices = HostDeviceAddresses(root).Select(a => a.ToString()).ToArray(),
            Autostart = d.Autostart,
            Persistent = d.IsPersistent,
            ConnectionUri = connectionUri,
        };
        g.Firmware = g.Mode == "PV" ? null : FirmwareOf(root);
        return g;
    }

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

    private static long MemoryBytes(XElement? memory)
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

    public static IEnumerable<string> DiskSources(XElement root) =>
        (root.Element("devices")?.Elements("disk") ?? Enumerable.Empty<XElement>())
        .Select(d => d.Element("source"))
        .Select(s => (string?)s?.Attribute("file") ?? (string?)s?.Attribute("dev") ?? Volume(s))
        .Where(s => s is not null)!;

    /// <summary>Only device='disk' sources: what -RemoveStorage may delete (never a cdrom's ISO).</summary>
    public static IEnumerable<string> OwnedDiskSources(XElement root) =>
        (root.Element("devices")?.Elements("disk") ?? Enumerable.Empty<XElement>())
        .Where(d => ((string?)d.Attribute("device") ?? "disk") == "disk")
        .Select(d => d.Element("source"))
        .Select(s => (string?)s?.Attribute("file") ?? (string?)s?.Attribute("dev"))
        .Where(s => s is not null)!;

    private static string? Volume(XElement? s) =>
        s?.Attribute("pool") is { } p && s.Attribute("volume") is { } v ? $"{p.Value}/{v.Value}" : null;

    private static IEnumerable<string> Interfaces(XElement root) =>
        (root.Element("devices")?.Elements("interface") ?? Enumerable.Empty<XElement>()).Select(i =>
        {
            var type = (string?)i.Attribute("type") ?? "";
            var src = i.Element("source");
            var what = (string?)src?.Attribute("network") ?? (string?)src?.Attribute("bridge") ?? (string?)src?.Attribute("dev");
            return what is null ? type : $"{type}:{what}";
        });

    /// <summary>PCI hostdevs of a domain definition (decimal or 0x-hex attributes, as libvirt accepts both).</summary>
    public static IEnumerable<PciAddress> HostDeviceAddresses(XElement root)
    {
        foreach (var h in root.Element("devices")?.Elements("hostdev") ?? Enumerable.Empty<XElement>())
        {
            if ((string?)h.Attribute("type") != "pci") continue;
            var a = h.Element("source")?.Element("address");
            if (a is null) continue;
            if (Num(a, "domain") is int dom && Num(a, "bus") is int bus && Num(a, "slot") is int slot && Num(a, "function") is int fn)
                yield return new PciAddress(dom, bus, slot, fn);
        }

        static int? Num(XElement a, string name)
        {
            var v = (string?)a.Attribute(name);
            if (v is null) return name == "domain" ? 0 : null;
            return v.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? int.TryParse(v.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) ? h : null
                : int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) ? d : null;
        }
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
