using VirtTools.Libvirt;

namespace VirtTools.Tests.Guests;

public sealed partial class FaultyConnection
{
    /// <summary>Set-VMGuest's calls refused when their flags include these (e.g. Config: the live part succeeds, the definition refuses).</summary>
    public DomainMemoryFlags? FailMemoryWith { get; set; }
    public DomainVcpuFlags? FailVcpusWith { get; set; }
    public bool FailRename { get; set; }
    /// <summary>A guest OS that ignores the ACPI reboot request: no reboot event ever comes.</summary>
    public bool IgnoreReboot { get; set; }

    public IGuestRebootWatch WatchReboot(ILibvirtDomain domain) => IgnoreReboot ? new SilentWatch() : inner.WatchReboot(domain);

    private sealed class SilentWatch : IGuestRebootWatch
    {
        public GuestRebootOutcome Wait(TimeSpan timeout, CancellationToken cancel = default)
        {
            cancel.WaitHandle.WaitOne(timeout);
            return GuestRebootOutcome.Pending;
        }
        public void Dispose() { }
    }
    /// <summary>Every SetMemory/SetVcpus/SetMetadata call, in order, as "op flags value".</summary>
    public List<string> ConfigCalls { get; } = new();

    private sealed partial class FaultyDomain
    {
        public void SetMemory(long bytes, DomainMemoryFlags flags)
        {
            owner.ConfigCalls.Add($"memory {flags} {bytes}");
            if (owner.FailMemoryWith is { } f && (flags & f) == f) throw Injected("virDomainSetMemoryFlags");
            d.SetMemory(bytes, flags);
        }

        public void SetVcpus(int count, DomainVcpuFlags flags)
        {
            owner.ConfigCalls.Add($"vcpus {flags} {count}");
            if (owner.FailVcpusWith is { } f && (flags & f) == f) throw Injected("virDomainSetVcpusFlags");
            d.SetVcpus(count, flags);
        }

        public void SetMetadata(DomainMetadataType type, string? value, DomainModificationFlags flags)
        {
            owner.ConfigCalls.Add($"metadata {flags} {value}");
            d.SetMetadata(type, value, flags);
        }

        public void Rename(string newName)
        {
            owner.ConfigCalls.Add($"rename {newName}");
            if (owner.FailRename) throw Injected("virDomainRename");
            d.Rename(newName);
        }
    }
}
