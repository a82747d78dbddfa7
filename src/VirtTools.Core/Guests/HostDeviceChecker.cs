using VirtTools.Host;
using VirtTools.HostUsage;
using VirtTools.Iommu;
using VirtTools.Libvirt;
using VirtTools.Pci;

namespace VirtTools.Guests;

/// <summary>
/// The checks before a PCI device goes into a guest definition: it exists, no other guest holds it,
/// its IOMMU group can go to a guest (KVM), Xen has it on pciback, and the host does not depend on it.
/// </summary>
public sealed class HostDeviceChecker
{
    private readonly ILibvirtConnection _c;
    private readonly HostContext _host;
    private readonly bool _local;

    public HostDeviceChecker(ILibvirtConnection c, HostContext host, bool local)
    {
        _c = c;
        _host = host;
        _local = local;
    }

    /// <param name="forGuest">The guest receiving the devices (its own assignments are not a conflict).</param>
    public IReadOnlyList<PciAddress> Check(IReadOnlyList<string> addresses, GuestHypervisor hypervisor, string? forGuest, bool force,
        List<string> warnings)
    {
        if (addresses.Count == 0) return Array.Empty<PciAddress>();
        var list = new List<PciAddress>();
        var pci = new PciDeviceReader(_host.Files);
        foreach (var text in addresses)
        {
            PciAddress a;
            if (_local) a = pci.Find(text);
            else if (!PciAddress.TryParse(text, out a))
                throw new VirtToolsException("InvalidPciAddress", FailureKind.InvalidArgument, $"'{text}' is not a PCI address.", text,
                    "Use the form 0000:03:00.1 (Get-PciDevice lists them).");
            if (!list.Contains(a)) list.Add(a);
        }
        var assigned = GuestDeviceUses.ForConnection(_c, _host, _local);
        foreach (var a in list)
            if (assigned.Of(a).FirstOrDefault(u => u.Guest != forGuest)?.Guest is string other)
                throw new VirtToolsException("HostDeviceAssigned", FailureKind.ResourceBusy,
                    $"PCI device {a} is already assigned to guest '{other}'. Nothing was changed.", a.ToString(),
                    $"Remove it from '{other}' first: Remove-VMGuestHostDevice {other} {a}");
        if (!_local)
        {
            warnings.Add($"{_c.Uri} is remote: the IOMMU group and host-usage checks of {string.Join(", ", list)} ran nowhere; libvirt checks at start.");
            return list;
        }
        var guard = new HostUsageGuard(_host, Environment.GetEnvironmentVariable("SSH_CONNECTION"));
        foreach (var a in list)
        {
            foreach (var reason in guard.Check(a))
            {
                if (force && reason.CanForce) { warnings.Add(reason.Message + " (-Force given)"); continue; }
                throw new VirtToolsException(reason.ErrorId, reason.Kind, reason.Message + " Nothing was changed.", a.ToString(),
                    reason.CanForce ? reason.RecommendedAction + " Add -Force to assign it anyway." : reason.RecommendedAction);
            }
            var dev = pci.Read(a);
            if (hypervisor == GuestHypervisor.Xen)
            {
                if (dev.Driver is not ("pciback" or "xen-pciback"))
                    throw new VirtToolsException("HostDeviceNotOnPciback", FailureKind.InvalidOperation,
                        $"PCI device {a} is bound to {dev.Driver ?? "no driver"}, not pciback: Xen hostdevs are unmanaged, so Xen needs it on pciback first.",
                        a.ToString(), $"Enable-VfioDevice {a} -Driver pciback");
                continue;
            }
            CheckGroup(pci, dev, list);
        }
        return list;
    }

    /// <summary>
    /// libvirt (managed='yes') binds the device to vfio-pci at start; every other member of its group
    /// must already be safe for a guest (vfio, pci-stub, no driver, a bridge) or be assigned with it.
    /// </summary>
    private void CheckGroup(PciDeviceReader pci, PciDevice dev, IReadOnlyList<PciAddress> assigning)
    {
        if (dev.IommuGroup is not int n)
        {
            // The same vendor- and VM-aware words as Get-IommuGroup and Enable-VfioDevice: Intel-only
            // advice was wrong on AMD hosts and in virtual machines.
            var (why, action) = IommuAbsence.Explain(_host, $"PCI device {dev.Address} is in no IOMMU group");
            throw new VirtToolsException("NoIommuGroup", FailureKind.NotEnabled, why + " Nothing was changed.", dev.Address, action);
        }
        var group = new IommuGroupReader(pci).Read(n);
        var blockers = group.Devices
            .Where(m => PciAddress.TryParse(m.Address, out var ma) && !assigning.Contains(ma) && !IommuGroupReader.IsDmaSafe(m))
            .ToList();
        if (blockers.Count > 0)
            throw new VirtToolsException("IommuGroupNotViable", FailureKind.InvalidOperation,
                $"PCI device {dev.Address} shares IOMMU group {n} with {string.Join(", ", blockers)}, which the host still drives; " +
                "a guest can only have the whole group. Nothing was changed.", dev.Address,
                $"Assign the whole group (-HostDevice with every member), or hand those to vfio-pci: Get-IommuGroup {n}; Enable-VfioDevice -IncludeIommuGroup {dev.Address}");
    }
}
