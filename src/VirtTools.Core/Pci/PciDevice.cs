namespace VirtTools;

/// <summary>
/// One PCI function as sysfs shows it. Runbooks depend on these property names: keep them.
/// Ids are 4-digit lowercase hex as lspci prints them; a value sysfs does not have is null.
/// </summary>
public sealed class PciDevice
{
    public string Address { get; set; } = "";
    public int Domain { get; set; }
    public int Bus { get; set; }
    public int Slot { get; set; }
    public int Function { get; set; }

    public string? VendorId { get; set; }
    public string? DeviceId { get; set; }
    public string? SubsystemVendorId { get; set; }
    public string? SubsystemDeviceId { get; set; }
    /// <summary>2-digit hex, as lspci's "(rev 0a)".</summary>
    public string? Revision { get; set; }

    /// <summary>6 hex digits: class, subclass, programming interface ("020000").</summary>
    public string? ClassCode { get; set; }
    /// <summary>The subclass name from pci.ids ("Ethernet controller"), as lspci prints the class; the base class name when the subclass is unknown.</summary>
    public string? ClassName { get; set; }
    /// <summary>Base class name from pci.ids' C section ("Network controller").</summary>
    public string? BaseClassName { get; set; }
    /// <summary>Subclass name from pci.ids' C section, or null.</summary>
    public string? SubclassName { get; set; }
    /// <summary>Programming interface name from pci.ids' C section ("NVM Express"), or null.</summary>
    public string? ProgrammingInterfaceName { get; set; }
    public string? VendorName { get; set; }
    public string? DeviceName { get; set; }
    public string? SubsystemName { get; set; }

    public string? Driver { get; set; }
    /// <summary>The driver_override value; null when unset ("(null)" in sysfs).</summary>
    public string? DriverOverride { get; set; }
    /// <summary>The driver named in /etc/driverctl.d/pci-&lt;address&gt; (driverctl's persistent override), or null.</summary>
    public string? PersistentDriverOverride { get; set; }
    /// <summary>Kernel modules that could drive this device (from modules.alias), as lspci -k's "Kernel modules".</summary>
    public string[] KernelModules { get; set; } = Array.Empty<string>();

    public int? IommuGroup { get; set; }
    public int? NumaNode { get; set; }
    public bool IsBridge { get; set; }
    /// <summary>True for the firmware's primary display (boot_vga = 1); null when the file is absent.</summary>
    public bool? BootVga { get; set; }

    public int? SriovTotalVfs { get; set; }
    public int? SriovNumVfs { get; set; }
    public string? PhysicalFunction { get; set; }
    public string[] VirtualFunctions { get; set; } = Array.Empty<string>();
    public bool IsVirtualFunction { get; set; }

    public string? CurrentLinkSpeed { get; set; }
    public int? CurrentLinkWidth { get; set; }
    public string? MaxLinkSpeed { get; set; }
    public int? MaxLinkWidth { get; set; }
    public string[] ResetMethods { get; set; } = Array.Empty<string>();
    /// <summary>Address of the bridge above this function, or null on a root bus.</summary>
    public string? ParentBridge { get; set; }

    /// <summary>The device's sysfs directory (host path, canonical).</summary>
    public string? SysfsPath { get; set; }
    /// <summary>What could not be read for this device (unreadable or garbage files); empty when all is well.</summary>
    public string[] Problems { get; set; } = Array.Empty<string>();

    /// <summary>The libvirt guest whose definition holds this device; null when none does or libvirt is not reachable.</summary>
    public string? AssignedToGuest { get; set; }

    public override string ToString() => Address;
}
