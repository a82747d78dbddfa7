using VirtTools.Libvirt;

namespace VirtTools.Tests.Guests;

public sealed partial class FaultyConnection
{
    /// <summary>
    /// Device calls (attach, detach, update) recorded as "op flags" and not passed on: the test driver
    /// refuses every device call, so a test that needs them to succeed sets this.
    /// </summary>
    public bool SimulateDevices { get; set; }
    /// <summary>Device calls refused when their op is this and their flags include <see cref="FailDeviceFlags"/>.</summary>
    public string? FailDeviceOp { get; set; }
    public DomainModificationFlags FailDeviceFlags { get; set; }
    public List<string> DeviceCalls { get; } = new();
    /// <summary>The XML of each device call, in order.</summary>
    public List<string> DeviceXml { get; } = new();

    /// <summary>Scripted virDomainInterfaceAddresses answers per source (null: a failure); unset sources go to the driver.</summary>
    public Dictionary<InterfaceAddressSource, IReadOnlyList<LibvirtInterfaceAddresses>?> Addresses { get; } = new();
    public List<InterfaceAddressSource> AddressCalls { get; } = new();

    public IReadOnlyList<ILibvirtNetwork> ListNetworks() => inner.ListNetworks();
    public ILibvirtNetwork? FindNetwork(string name) => Counted(nameof(FindNetwork), () => inner.FindNetwork(name));
    public ILibvirtNetwork DefineNetwork(string xml) => WrapNetwork(inner.DefineNetwork(xml));

    internal void Device(string op, string xml, DomainModificationFlags flags, Action pass)
    {
        DeviceCalls.Add($"{op} {flags}");
        DeviceXml.Add(xml);
        if (FailDeviceOp == op && (flags & FailDeviceFlags) == FailDeviceFlags) throw Injected($"virDomain{op}DeviceFlags");
        if (!SimulateDevices) pass();
    }

    private sealed partial class FaultyDomain
    {
        public IReadOnlyList<LibvirtInterfaceAddresses> GetInterfaceAddresses(InterfaceAddressSource source)
        {
            owner.AddressCalls.Add(source);
            if (!owner.Addresses.TryGetValue(source, out var answer)) return d.GetInterfaceAddresses(source);
            return answer ?? throw Injected("virDomainInterfaceAddresses");
        }

        // One fake for both areas: the disk tests read DiskCalls, the NIC tests DeviceCalls and their cues.
        public void UpdateDevice(string xml, DomainModificationFlags flags)
        {
            owner.DiskCalls.Add($"update {flags}");
            owner.Device("update", xml, flags, () => d.UpdateDevice(xml, flags));
        }
    }
}
