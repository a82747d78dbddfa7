namespace VirtTools
{
    /// <summary>Loaded, BuiltIn, Available (installed for the running kernel, not loaded) or NotFound.</summary>
    public enum KernelModuleState
    {
        Loaded,
        BuiltIn,
        Available,
        NotFound,
        Unknown,
    }

    /// <summary>One kernel module: its state, its live parameters and what is configured for it.</summary>
    public sealed class KernelModuleInfo
    {
        /// <summary>The name as the kernel reports it (underscores).</summary>
        public required string Name { get; init; }
        public required KernelModuleState State { get; init; }
        public string? KernelRelease { get; init; }
        /// <summary>/sys/module/NAME/parameters: name to value, as the module reports them now.</summary>
        public required IReadOnlyDictionary<string, string> Parameters { get; init; }
        /// <summary>Listed in a modules-load.d file: loaded at boot by systemd-modules-load.</summary>
        public bool LoadAtBoot { get; init; }
        public string? LoadAtBootFile { get; init; }
        /// <summary>"options" from modprobe.d, merged: name to value.</summary>
        public required IReadOnlyDictionary<string, string> ConfiguredOptions { get; init; }
        public required string[] ConfigurationFiles { get; init; }
        public bool Blacklisted { get; init; }
        /// <summary>softdep lines ("pre: vfio-pci").</summary>
        public required string[] SoftDependencies { get; init; }

        public override string ToString() => Name;
    }
}
