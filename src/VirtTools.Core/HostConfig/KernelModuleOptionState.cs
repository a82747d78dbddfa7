namespace VirtTools
{
    /// <summary>A module parameter after Set-VHSKernelModuleOption: wanted, running, configured, and whether a reload is still needed.</summary>
    public sealed class KernelModuleOptionState
    {
        public required string Module { get; init; }
        public required string Option { get; init; }
        public required string Value { get; init; }
        /// <summary>/sys/module/MODULE/parameters/OPTION now; null when the module is not loaded.</summary>
        public string? Running { get; init; }
        /// <summary>The value modprobe.d gives at the next load; null when none.</summary>
        public string? Configured { get; init; }
        /// <summary>The module runs with another value: the configured one applies at its next load (or boot).</summary>
        public bool ReloadRequired { get; init; }
        public string? Detail { get; init; }
    }
}
