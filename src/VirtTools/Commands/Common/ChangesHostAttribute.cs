using VirtTools.Host;

namespace VirtTools.Commands;

/// <summary>
/// Marks a cmdlet that changes the host itself (sysfs, /etc, /boot, kernel modules, network devices):
/// on the live root, <see cref="VirtToolsCmdlet"/> refuses it with RequiresRoot before it reads or
/// writes anything when the process lacks one of <see cref="Needs"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class ChangesHostAttribute : Attribute
{
    /// <param name="change">What the cmdlet changes, as the rest of a sentence that starts with its name ("binds PCI devices to drivers in /sys/bus/pci").</param>
    /// <param name="needs">The capabilities that suffice instead of root; CAP_DAC_OVERRIDE when none are given.</param>
    public ChangesHostAttribute(string change, params LinuxCapability[] needs)
    {
        Change = change;
        Needs = needs.Length > 0 ? needs : new[] { LinuxCapability.CAP_DAC_OVERRIDE };
    }

    public string Change { get; }
    public IReadOnlyCollection<LinuxCapability> Needs { get; }
}
