namespace VirtTools
{
    /// <summary>Where a kernel parameter was found: the running kernel, the next boot's configuration, or both.</summary>
    public enum KernelParameterSource
    {
        Running,
        Configured,
        Both,
    }

    /// <summary>One kernel parameter of the running kernel (/proc/cmdline) or of the next boot (the boot loader's file).</summary>
    public sealed class KernelParameterSetting
    {
        public required string Name { get; init; }
        /// <summary>The value as the kernel reads it (quotes removed); null for a bare flag such as "quiet".</summary>
        public string? Value { get; init; }
        public required KernelParameterSource Source { get; init; }
        /// <summary>The boot loader file for Configured and Both; /proc/cmdline for Running.</summary>
        public required string File { get; init; }
        /// <summary>The variable of /etc/default/grub that holds it (GRUB_CMDLINE_LINUX_DEFAULT), or null.</summary>
        public string? Variable { get; init; }
        /// <summary>GRUB2 or SystemdBoot; null when only /proc/cmdline was read.</summary>
        public string? BootLoader { get; init; }

        public override string ToString() => Value is null ? Name : $"{Name}={Value}";
    }
}
