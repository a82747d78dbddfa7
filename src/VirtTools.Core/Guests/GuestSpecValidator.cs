namespace VirtTools.Guests;

/// <summary>Combinations no hypervisor accepts, refused before any XML is written.</summary>
public static partial class GuestSpecValidator
{
    public const long MinimumMemoryBytes = 64L << 20;

    /// <summary>Linux interface names: at most 15 characters (IFNAMSIZ 16), no '/', ':', white space or control characters.</summary>
    public static string? WhyNotABridge(string name)
    {
        if (InputText.WhyNotAName(name, 15) is { } why) return why;
        var at = Array.FindIndex(name.ToCharArray(), c => c is ':' || char.IsWhiteSpace(c));
        return at < 0 ? null : $"it contains {InputText.Describe(name[at])}";
    }

    public static void ValidateName(string? name)
    {
        if (InputText.WhyNotAName(name) is { } why)
            Bad("InvalidGuestName", $"'{InputText.Shown(name)}' is not a usable guest name: {why}. Nothing was created.", name, "Use letters, digits, '-', '_' and '.'.");
    }

    public static void ValidateBridge(string name)
    {
        if (WhyNotABridge(name) is { } why)
            Bad("InvalidBridgeName", $"'{InputText.Shown(name)}' is not a network interface name: {why}. Nothing was created.", name,
                "Give the name of a host bridge as 'ip link' shows it, e.g. -Bridge br0.");
    }

    public static void Validate(GuestSpec s)
    {
        ValidateName(s.Name);
        if (s.Bridge is not null) ValidateBridge(s.Bridge);
        if (s.MemoryBytes < MinimumMemoryBytes || s.MemoryBytes % (1L << 20) != 0)
            Bad("InvalidGuestMemory", $"-MemoryBytes {s.MemoryBytes} is not a whole number of MiB of at least 64 MiB.", s.MemoryBytes,
                "Give the memory in MB or GB, e.g. -MemoryBytes 4GB.");
        if (s.ProcessorCount < 1)
            Bad("InvalidProcessorCount", $"-ProcessorCount {s.ProcessorCount} must be at least 1.", s.ProcessorCount, null);
        if (s.Hypervisor != GuestHypervisor.Xen && s.Mode != GuestMode.FV)
            Bad("ModeNeedsXen", $"-Mode {s.Mode} exists only on Xen; {s.Hypervisor} guests are fully virtualized and already use virtio (paravirtual) disks and network.",
                s.Mode, "Use -Mode FV (the default) on KVM and QEMU, or -Hypervisor Xen.");
        if (s.Mode == GuestMode.PV && s.Firmware == GuestFirmware.Uefi)
            Bad("PvHasNoFirmware", "A Xen PV guest has no BIOS or UEFI firmware: it boots a kernel (-Kernel) or through a bootloader.", s.Firmware,
                "Use -Mode PVHVM for UEFI on Xen, or drop -Firmware.");
        if (s.SecureBoot && s.Firmware != GuestFirmware.Uefi)
            Bad("SecureBootNeedsUefi", "-SecureBoot needs -Firmware Uefi.", s.SecureBoot, "Add -Firmware Uefi.");
        if (s.SecureBoot && s.Hypervisor == GuestHypervisor.Xen)
            Bad("SecureBootNotOnXen", "Xen's OVMF has no Secure Boot (libxl offers no secure loader).", s.SecureBoot, "Drop -SecureBoot on Xen.");
        if (s.Mode == GuestMode.PV && s.Kernel is null && s.Bootloader is null)
            Bad("PvNeedsBoot", "A Xen PV guest needs -Kernel (a guest kernel, or pvgrub2's grub.xen) or a bootloader.", s.Mode,
                "Give -Kernel and -KernelArguments, or let New-VMGuest pick pvgrub2 or pygrub.");
        if (s.Bootloader is not null && s.Mode != GuestMode.PV)
            Bad("BootloaderNeedsPv", "A Dom0 bootloader (pygrub) boots only Xen PV guests.", s.Bootloader, null);
        if (s.Kernel is null && (s.Initrd is not null || s.KernelArguments is not null))
            Bad("KernelMissing", "-Initrd and -KernelArguments need -Kernel.", s.Initrd ?? s.KernelArguments, "Add -Kernel.");
        if (s.Network is not null && s.Bridge is not null)
            Bad("NetworkAndBridge", "Give -Network or -Bridge, not both.", s.Bridge, null);
        foreach (var d in s.Disks)
            if (d.Format is not ("qcow2" or "raw"))
                Bad("UnknownDiskFormat", $"Disk '{d.Path}' has format '{d.Format}'; only qcow2 and raw are written.", d.Path, null);
    }

    private static void Bad(string id, string message, object? target, string? action) =>
        throw new VirtToolsException(id, FailureKind.InvalidArgument, message, target, action);
}
