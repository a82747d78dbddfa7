using VirtTools.Capability;
using VirtTools.Host;

namespace VirtTools.Requirements;

/// <summary>
/// Turns <see cref="HostFacts"/> into <see cref="RequirementCheck"/>s: virt-host-validate's qemu
/// checks with their levels, plus what it lacks (vfio, interrupt remapping, nested, kvm_pvm, Xen Dom0,
/// vendor-correct IOMMU advice). Unknown evidence gives Skip, never a guessed Pass or Fail.
/// </summary>
public sealed class RequirementEvaluator
{    private sealed record Definition(string Name, HypervisorKind Set, Func<RequirementEvaluator, RequirementResult> Run);

    private static readonly string[] CgroupControllers = { "memory", "cpu", "cpuacct", "cpuset", "devices", "blkio" };

    private static readonly Definition[] Definitions = BuildDefinitions();

    private readonly HostCapability _cap;
    private readonly KvmRequirementChecks _kvm;
    private readonly IommuRequirementChecks _iommu;
    private readonly XenRequirementChecks _xen;

    /// <param name="runner">Used only on the live root, for `xl info` on a Xen Dom0; null skips it.</param>
    public RequirementEvaluator(HostFacts facts, IProcessRunner? runner = null)
    {
        _cap = facts.Capability;
        _kvm = new KvmRequirementChecks(facts);
        _iommu = new IommuRequirementChecks(facts);
        _xen = new XenRequirementChecks(facts, runner);
    }

    /// <summary>Xen when the host is a Xen Dom0, else KVM.</summary>
    public HypervisorKind DefaultSet => _cap.IsXenDom0 == true ? HypervisorKind.Xen : HypervisorKind.KVM;

    public static IReadOnlyList<string> CheckNames(HypervisorKind set) =>
        Definitions.Where(d => d.Set == set).Select(d => d.Name).ToArray();

    public static IReadOnlyList<string> AllCheckNames => Definitions.Select(d => d.Name).Distinct().ToArray();

    /// <summary>Runs the checks of <paramref name="set"/> whose name <paramref name="select"/> accepts, in order, lazily.</summary>
    public IEnumerable<RequirementCheck> Evaluate(HypervisorKind set, Func<string, bool>? select = null)
    {
        foreach (var d in Definitions)
        {
            if (d.Set != set || select is not null && !select(d.Name)) continue;
            var r = d.Run(this);
            yield return new RequirementCheck
            {
                Name = d.Name,
                Hypervisor = set.ToString(),
                Status = r.Status,
                Detail = r.Detail,
                Remedy = r.Status is RequirementStatus.Warn or RequirementStatus.Fail ? r.Remedy : null,
            };
        }
    }

    private static Definition[] BuildDefinitions()
    {
        var list = new List<Definition>
        {
            new("HardwareVirtualization", HypervisorKind.KVM, e => e._kvm.HardwareVirtualization()),
            new("KvmDevice", HypervisorKind.KVM, e => e._kvm.KvmDevice()),
            new("KvmDeviceAccess", HypervisorKind.KVM, e => e._kvm.KvmDeviceAccess()),
            new("KvmPvm", HypervisorKind.KVM, e => e._kvm.KvmPvm()),
            new("GuestAcceleration", HypervisorKind.KVM, e => e._kvm.Acceleration()),
            new("PowerPcKvmModule", HypervisorKind.KVM, e => e._kvm.PowerPcKvmModule()),
            new("VhostNet", HypervisorKind.KVM, e => e._kvm.DeviceNode(e._cap.DevVhostNet, "/dev/vhost-net", RequirementStatus.Warn,
                "Load the vhost_net module (modprobe vhost_net) for faster virtio networking.")),
            new("Tun", HypervisorKind.KVM, e => e._kvm.Tun()),
        };
        foreach (var c in CgroupControllers)
            list.Add(new("Cgroup" + char.ToUpperInvariant(c[0]) + c[1..], HypervisorKind.KVM, e => e._kvm.Cgroup(c)));
        list.AddRange(new Definition[]
        {
            new("IommuFirmware", HypervisorKind.KVM, e => e._iommu.IommuFirmware()),
            new("IommuEnabled", HypervisorKind.KVM, e => e._iommu.IommuEnabled()),
            new("IommuKernelParameters", HypervisorKind.KVM, e => e._iommu.IommuKernelParameters()),
            new("AcsOverride", HypervisorKind.KVM, e => e._iommu.AcsOverride()),
            new("InterruptRemapping", HypervisorKind.KVM, e => e._iommu.InterruptRemapping()),
            new("VfioModules", HypervisorKind.KVM, e => e._iommu.VfioModules()),
            new("VfioDevice", HypervisorKind.KVM, e => e._kvm.DeviceNode(e._cap.VfioDevicePresent, "/dev/vfio/vfio", RequirementStatus.Warn,
                "Load vfio-pci (modprobe vfio-pci); it creates /dev/vfio/vfio for device assignment.")),
            new("NestedVirtualization", HypervisorKind.KVM, e => e._kvm.NestedVirtualization()),
            new("SecureGuest", HypervisorKind.KVM, e => e._kvm.SecureGuest()),

            new("XenHypervisor", HypervisorKind.Xen, e => e._xen.XenHypervisor()),
            new("XenDom0", HypervisorKind.Xen, e => e._xen.XenDom0()),
            new("XenHvm", HypervisorKind.Xen, e => e._xen.XenHvm()),
            new("XenIommu", HypervisorKind.Xen, e => e._xen.XenIommu()),
            new("XenPciback", HypervisorKind.Xen, e => e._xen.XenPciback()),
            new("Tun", HypervisorKind.Xen, e => e._kvm.Tun()),
        });
        return list.ToArray();
    }
}
