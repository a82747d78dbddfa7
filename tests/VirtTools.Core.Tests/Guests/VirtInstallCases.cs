using VirtTools.Guests;
using VirtTools.Pci;

namespace VirtTools.Tests.Guests;

/// <summary>
/// VirtTools' request for each line of testdata/virt-install/cases.txt: the same guest, asked of
/// DomainXmlBuilder. Keep the two files in step.
/// </summary>
public static class VirtInstallCases
{
    private const string Image = "/var/lib/libvirt/images/db01.qcow2";
    private const string Iso = "/var/lib/libvirt/images/sle15.iso";
    private static readonly GuestDisk Disk = new(Image, "qcow2");
    private static readonly PciAddress Nic = PciAddress.Parse("0000:03:00.1");

    public static readonly IReadOnlyDictionary<string, GuestSpec> All = new Dictionary<string, GuestSpec>
    {
        ["kvm-fv-bios-disk-network"] = new() { Name = "kvm1", Disks = [Disk], Network = "default" },
        ["kvm-fv-uefi-secure-bridge-cdrom"] = new()
        {
            Name = "kvm2", Firmware = GuestFirmware.Uefi, SecureBoot = true, Disks = [Disk], CdromPath = Iso, Bridge = "br0",
        },
        ["kvm-fv-uefi-hostdev"] = new() { Name = "kvm3", Firmware = GuestFirmware.Uefi, Disks = [Disk], Network = "default", HostDevices = [Nic] },
        ["kvm-fv-kernel"] = new()
        {
            Name = "kvm4", Kernel = "/var/lib/libvirt/boot/vmlinuz", Initrd = "/var/lib/libvirt/boot/initrd", KernelArguments = "console=ttyS0",
            Network = "default",
        },
        ["qemu-fv-bios-disk-network"] = new() { Name = "qemu1", Hypervisor = GuestHypervisor.QEMU, Disks = [Disk], Network = "default" },
        ["xen-pv-kernel"] = new()
        {
            Name = "pv1", Hypervisor = GuestHypervisor.Xen, Mode = GuestMode.PV, Kernel = "/var/lib/libvirt/boot/vmlinuz-xen",
            Initrd = "/var/lib/libvirt/boot/initrd-xen", KernelArguments = "console=hvc0", Disks = [Disk], Network = "default",
        },
        ["xen-pv-pygrub"] = new()
        {
            Name = "pv2", Hypervisor = GuestHypervisor.Xen, Mode = GuestMode.PV, Bootloader = "/usr/bin/pygrub", Disks = [Disk], Bridge = "br0",
        },
        ["xen-pv-pvgrub2"] = new()
        {
            Name = "pv3", Hypervisor = GuestHypervisor.Xen, Mode = GuestMode.PV, Kernel = "/usr/lib/grub2/x86_64-xen/grub.xen", Disks = [Disk],
            Network = "default",
        },
        ["xen-pvhvm-bios-disk-network"] = new() { Name = "pvh1", Hypervisor = GuestHypervisor.Xen, Mode = GuestMode.PVHVM, Disks = [Disk], Network = "default" },
        ["xen-pvhvm-uefi-bridge-cdrom"] = new()
        {
            Name = "pvh2", Hypervisor = GuestHypervisor.Xen, Mode = GuestMode.PVHVM, Firmware = GuestFirmware.Uefi, Disks = [Disk], CdromPath = Iso,
            Bridge = "br0",
        },
        ["xen-pvhvm-hostdev"] = new()
        {
            Name = "pvh3", Hypervisor = GuestHypervisor.Xen, Mode = GuestMode.PVHVM, Disks = [Disk], Network = "default", HostDevices = [Nic],
        },
        ["xen-fv-bios-disk-network"] = new() { Name = "fv1", Hypervisor = GuestHypervisor.Xen, Mode = GuestMode.FV, Disks = [Disk], Network = "default" },
    };
}
