namespace VirtTools.Capability;

/// <summary>How the guests of a host will run.</summary>
public enum AccelerationKind
{
    /// <summary>/dev/kvm is not in this root (a capture without /dev): not known.</summary>
    Unknown,
    /// <summary>Hardware KVM (VT-x, AMD-V, SIE, kvm_hv): libvirt domain type kvm.</summary>
    HardwareKvm,
    /// <summary>kvm_pvm: only PVM-enabled guest kernels run with KVM; every other guest is emulated.</summary>
    PvmOnly,
    /// <summary>No usable /dev/kvm: guests run under QEMU's TCG (libvirt domain type qemu).</summary>
    Emulation,
    /// <summary>A Xen Dom0: Xen runs the guests.</summary>
    Xen,
}

/// <summary>
/// One answer to "how will guests run here?". The capability notes, Test-VHSRequirement and New-VMGuest
/// each used to tell their own kvm_pvm story (one said /dev/kvm existed when it did not, one advised
/// modprobe kvm_amd on a CPU without svm): they all take their words from here now.
/// </summary>
public static class GuestAcceleration
{
    private const string Emulated = "guests run under emulation (libvirt domain type qemu, QEMU's TCG), many times slower than KVM";

    /// <summary>The kind and the sentence that explains it, from what the capability reader saw.</summary>
    public static (AccelerationKind Kind, string Story) Of(bool? xenDom0, bool? kvmPvm, bool? kvmDevice)
    {
        if (xenDom0 == true) return (AccelerationKind.Xen, "This host is a Xen Dom0: Xen runs the guests (libvirt xen:///system).");
        if (kvmPvm == true)
            return kvmDevice switch
            {
                true => (AccelerationKind.PvmOnly, "kvm_pvm provides /dev/kvm without hardware virtualization: only PVM-enabled guest kernels run with KVM; "
                    + "every other " + Emulated + "."),
                false => (AccelerationKind.Emulation, "kvm_pvm is loaded, but /dev/kvm does not exist: " + Emulated + "."),
                null => (AccelerationKind.PvmOnly, "kvm_pvm is loaded (/dev/kvm is not in this root): at most PVM-enabled guest kernels run with KVM; "
                    + "every other " + Emulated + "."),
            };
        return kvmDevice switch
        {
            true => (AccelerationKind.HardwareKvm, "Guests run with hardware KVM (libvirt domain type kvm)."),
            false => (AccelerationKind.Emulation, "/dev/kvm does not exist: " + Emulated + "."),
            null => (AccelerationKind.Unknown, "/dev/kvm is not in this root (a capture?): how guests would run is unknown."),
        };
    }

    /// <summary>The same answer for a capability that has been read.</summary>
    public static (AccelerationKind Kind, string Story) Of(HostCapability cap) => Of(cap.IsXenDom0, cap.KvmPvm, cap.KvmDevicePresent);
}
