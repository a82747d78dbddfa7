using System.Globalization;
using System.Xml.Linq;

namespace VirtTools.Guests;

/// <summary>
/// Domain XML for a <see cref="GuestSpec"/>, element for element what virt-install 4.1 writes for
/// the same request (see tests/…/virt-install/cases.txt), minus its known bugs and the few things it
/// knows that we do not (libosinfo metadata). UUID and MAC are left to libvirt.
/// </summary>
public static partial class DomainXmlBuilder
{
    public const string QemuEmulator = "/usr/bin/qemu-system-x86_64";
    public const string XenEmulator = "/usr/lib/xen/bin/qemu-system-i386";
    public const string XenHvmLoader = "/usr/lib/xen/boot/hvmloader";
    /// <summary>virt-install adds this many empty root ports on q35 so devices can be hot-plugged later.</summary>
    public const int PcieRootPorts = 14;

    public static XDocument Build(GuestSpec s)
    {
        GuestSpecValidator.Validate(s);
        var xen = s.Hypervisor == GuestHypervisor.Xen;
        var pv = s.Mode == GuestMode.PV;
        var domain = new XElement("domain",
            new XAttribute("type", s.Hypervisor switch { GuestHypervisor.KVM => "kvm", GuestHypervisor.QEMU => "qemu", _ => "xen" }),
            new XElement("name", s.Name),
            new XElement("memory", Kib(s.MemoryBytes)),
            new XElement("currentMemory", Kib(s.MemoryBytes)),
            new XElement("vcpu", s.ProcessorCount));
        if (pv && s.Bootloader is { } bl) domain.Add(new XElement("bootloader", bl));
        domain.Add(Os(s));
        if (!pv)
        {
            var features = new XElement("features", new XElement("acpi"), new XElement("apic"));
            if (xen) features.Add(new XElement("pae"));
            domain.Add(features);
            if (s.Hypervisor == GuestHypervisor.KVM) domain.Add(new XElement("cpu", new XAttribute("mode", "host-passthrough")));
            domain.Add(xen ? new XElement("clock", new XAttribute("offset", "utc")) : QemuClock());
            if (!xen)
                domain.Add(new XElement("pm",
                    new XElement("suspend-to-mem", new XAttribute("enabled", "no")),
                    new XElement("suspend-to-disk", new XAttribute("enabled", "no"))));
        }
        domain.Add(Devices(s));
        if (GuestProvisionMetadata.Element(s) is { } metadata) domain.Add(metadata);
        return new XDocument(domain);
    }

    public static string BuildString(GuestSpec s) => Build(s).ToString();

    private static string Kib(long bytes) => (bytes / 1024).ToString(CultureInfo.InvariantCulture);

    private static XElement Os(GuestSpec s)
    {
        var os = new XElement("os");
        var uefi = s.Firmware == GuestFirmware.Uefi;
        if (uefi) os.Add(new XAttribute("firmware", "efi"));
        var (machine, type) = (s.Hypervisor, s.Mode) switch
        {
            (GuestHypervisor.Xen, GuestMode.PV) => ("xenpv", "xen"),
            (GuestHypervisor.Xen, _) => ("xenfv", "hvm"),
            _ => ("q35", "hvm"),
        };
        os.Add(new XElement("type", new XAttribute("arch", "x86_64"), new XAttribute("machine", machine), type));
        // With firmware='efi' libvirt picks the loader itself and refuses an explicit one (virt-install 4.1 writes it: its bug).
        if (s.Hypervisor == GuestHypervisor.Xen && s.Mode != GuestMode.PV && !uefi)
            os.Add(new XElement("loader", s.Loader ?? XenHvmLoader));
        if (uefi && s.SecureBoot)
            os.Add(new XElement("firmware",
                Feature("secure-boot"), Feature("enrolled-keys")));
        if (s.Kernel is { } k)
        {
            os.Add(new XElement("kernel", k));
            if (s.Initrd is { } i) os.Add(new XElement("initrd", i));
            if (s.KernelArguments is { } a) os.Add(new XElement("cmdline", a));
        }
        // PV takes no <boot>: the 9.0 RNG's osxen has none (virt-install 4.1 writes one with pygrub: its bug).
        else if (s.Mode != GuestMode.PV)
            os.Add(new XElement("boot", new XAttribute("dev", "hd")));
        return os;

        static XElement Feature(string name) => new("feature", new XAttribute("enabled", "yes"), new XAttribute("name", name));
    }

    private static XElement QemuClock() => new("clock", new XAttribute("offset", "utc"),
        new XElement("timer", new XAttribute("name", "rtc"), new XAttribute("tickpolicy", "catchup")),
        new XElement("timer", new XAttribute("name", "pit"), new XAttribute("tickpolicy", "delay")),
        new XElement("timer", new XAttribute("name", "hpet"), new XAttribute("present", "no")));

    private static XElement Devices(GuestSpec s)
    {
        var xen = s.Hypervisor == GuestHypervisor.Xen;
        var qemu = !xen;
        var pv = s.Mode == GuestMode.PV;
        var d = new XElement("devices");
        if (!pv) d.Add(new XElement("emulator", s.Emulator ?? (xen ? XenEmulator : QemuEmulator)));

        var (diskBus, diskPrefix) = (s.Hypervisor, s.Mode) switch
        {
            (GuestHypervisor.Xen, GuestMode.FV) => ("ide", "hd"),
            (GuestHypervisor.Xen, _) => ("xen", "xvd"),
            _ => ("virtio", "vd"),
        };
        var used = new Dictionary<string, int>();
        foreach (var disk in s.Disks)
            d.Add(Disk("disk", disk.Path, disk.Format, diskBus, NextTarget(used, diskPrefix), readOnly: false, disk.Block));
        foreach (var iso in new[] { s.CdromPath, s.DriverMediaPath, s.SeedIsoPath }.OfType<string>())
        {
            // q35 has no IDE: cdroms go on SATA there; Xen HVM keeps the emulated IDE cdrom (PV: xen bus).
            var (bus, prefix) = qemu ? ("sata", "sd") : pv ? ("xen", "xvd") : ("ide", "hd");
            d.Add(Disk("cdrom", iso, "raw", bus, NextTarget(used, prefix), readOnly: true));
        }
        if (qemu)
        {
            d.Add(new XElement("controller", new XAttribute("type", "usb"), new XAttribute("model", "qemu-xhci"), new XAttribute("ports", "15")));
            d.Add(new XElement("controller", new XAttribute("type", "pci"), new XAttribute("model", "pcie-root")));
            for (var i = 0; i < PcieRootPorts; i++)
                d.Add(new XElement("controller", new XAttribute("type", "pci"), new XAttribute("model", "pcie-root-port")));
        }
        if (s.Network is { } net || s.Bridge is not null)
        {
            var nic = s.Bridge is { } br
                ? new XElement("interface", new XAttribute("type", "bridge"), new XElement("source", new XAttribute("bridge", br)))
                : new XElement("interface", new XAttribute("type", "network"), new XElement("source", new XAttribute("network", s.Network!)));
            var model = (s.Hypervisor, s.Mode) switch
            {
                (GuestHypervisor.Xen, GuestMode.PV) => null, // PV has only netfront; libxl takes no model
                (GuestHypervisor.Xen, GuestMode.PVHVM) => "netfront",
                (GuestHypervisor.Xen, _) => "e1000",
                _ => "virtio",
            };
            if (model is not null) nic.Add(new XElement("model", new XAttribute("type", model)));
            d.Add(nic);
        }
        d.Add(new XElement("console", new XAttribute("type", "pty")));
        if (qemu)
            d.Add(new XElement("channel", new XAttribute("type", "unix"),
                new XElement("source", new XAttribute("mode", "bind")),
                new XElement("target", new XAttribute("type", "virtio"), new XAttribute("name", "org.qemu.guest_agent.0"))));
        // A PV guest's framebuffer (vfb) is served by Xen's qemu in Dom0: without it libxl cannot start the guest.
        if (!s.NoGraphics)
        {
            if (!pv) d.Add(new XElement("input", new XAttribute("type", "tablet"), new XAttribute("bus", "usb")));
            d.Add(new XElement("graphics", new XAttribute("type", "vnc"), new XAttribute("port", "-1")));
            if (!pv) d.Add(new XElement("video", new XElement("model", new XAttribute("type", xen ? "vga" : "virtio"))));
        }
        foreach (var a in s.HostDevices)
            d.Add(HostDevice(a, managed: !xen));
        if (qemu)
        {
            d.Add(new XElement("memballoon", new XAttribute("model", "virtio")));
            d.Add(new XElement("rng", new XAttribute("model", "virtio"),
                new XElement("backend", new XAttribute("model", "random"), "/dev/urandom")));
        }
        return d;
    }

    /// <summary>
    /// A PCI hostdev. KVM: managed (libvirt binds vfio-pci at start, gives the device back at stop).
    /// Xen: unmanaged, as virt-install writes it; the device must already be on pciback.
    /// </summary>
    public static XElement HostDevice(Pci.PciAddress a, bool managed) =>
        new("hostdev", new XAttribute("mode", "subsystem"), new XAttribute("type", "pci"), new XAttribute("managed", managed ? "yes" : "no"),
            new XElement("source", new XElement("address",
                new XAttribute("domain", $"0x{a.Domain:x4}"), new XAttribute("bus", $"0x{a.Bus:x2}"),
                new XAttribute("slot", $"0x{a.Slot:x2}"), new XAttribute("function", $"0x{a.Function:x}"))));

    private static XElement Disk(string device, string path, string format, string bus, string target, bool readOnly, bool block = false)
    {
        var disk = new XElement("disk", new XAttribute("type", block ? "block" : "file"), new XAttribute("device", device),
            new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", format)),
            new XElement("source", new XAttribute(block ? "dev" : "file", path)),
            new XElement("target", new XAttribute("dev", target), new XAttribute("bus", bus)));
        if (readOnly) disk.Add(new XElement("readonly"));
        return disk;
    }

    /// <summary>vda, vdb, … vdz, vdaa: libvirt's disk naming, per prefix.</summary>
    private static string NextTarget(Dictionary<string, int> used, string prefix)
    {
        used.TryGetValue(prefix, out var n);
        used[prefix] = n + 1;
        return prefix + DiskSuffix(n);
    }

    internal static string DiskSuffix(int index)
    {
        var s = "";
        index++;
        while (index > 0)
        {
            index--;
            s = (char)('a' + index % 26) + s;
            index /= 26;
        }
        return s;
    }
}
