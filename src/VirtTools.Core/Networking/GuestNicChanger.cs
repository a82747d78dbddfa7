using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Networking;

/// <summary>
/// Add-, Remove- and Set-VMGuestNetworkAdapter's logic: each turns a request into a checked
/// <see cref="GuestChangePlan"/> whose steps run on the running guest first, then on its definition,
/// so a definition that refuses after the running guest changed is undone (GuestChangePlan.Apply).
/// Everything known in advance (a bad or used MAC, an inactive network, a NIC that is not there) is
/// refused before any call.
/// </summary>
public sealed class GuestNicChanger(ILibvirtConnection connection)
{
    public static class Ids
    {
        public const string InvalidMac = "InvalidMacAddress";
        public const string MacInUse = "MacAddressInUse";
        public const string InvalidModel = "InvalidNicModel";
        public const string NetworkOrBridge = "NetworkOrBridgeRequired";
        public const string NotFound = "NetworkAdapterNotFound";
        public const string AddRefused = "NetworkAdapterAddRefused";
        public const string RemoveRefused = "NetworkAdapterRemoveRefused";
        public const string LinkRefused = "LinkStateChangeRefused";
    }

    private const DomainModificationFlags Live = DomainModificationFlags.Live, Config = DomainModificationFlags.Config;

    // The connection's MACs, read once per changer (one pipeline): each added MAC joins it.
    private HashSet<string>? _used;

    /// <summary>Which sides a change touches: the running guest (if it runs) and the definition (if it has one), unless narrowed.</summary>
    public static (bool Live, bool Config) Sides(ILibvirtDomain d, GuestChangeScope scope)
    {
        var name = d.Name;
        bool active = d.IsActive, persistent = d.IsPersistent;
        if (scope == GuestChangeScope.Live && !active)
            throw new VirtToolsException(GuestConfigurator.Ids.NotRunning, FailureKind.InvalidOperation,
                $"Guest '{name}' is not running, so -Live has nothing to change. Nothing was changed.", name,
                $"Leave out -Live to change its definition, or start it first: Start-VMGuest {name}");
        if (scope == GuestChangeScope.Persistent && !persistent)
            throw new VirtToolsException(GuestConfigurator.Ids.NotPersistent, FailureKind.InvalidOperation,
                $"Guest '{name}' is transient: it has no definition for -Persistent to change. Nothing was changed.", name,
                "Leave out -Persistent to change the running guest only.");
        return (active && scope != GuestChangeScope.Persistent, persistent && scope != GuestChangeScope.Live);
    }

    private static XElement Root(ILibvirtDomain d, bool inactive) =>
        XDocument.Parse(d.GetXml(inactive ? DomainXmlFlags.Inactive : DomainXmlFlags.None)).Root!;

    /// <summary>A MAC as given (any separator or case) in libvirt's form, or InvalidMacAddress.</summary>
    public static string ParseMac(string text, object? target) =>
        MacAddress.Normalize(text) ?? throw new VirtToolsException(Ids.InvalidMac, FailureKind.InvalidArgument,
            $"'{InputText.Shown(text)}' is not a NIC's MAC address (six hex bytes, not multicast, not all zero). Nothing was changed.", target ?? text,
            "Write it as 52:54:00:12:34:56, or leave out -MacAddress to have one generated.");

    public GuestChangePlan PlanAdd(ILibvirtDomain d, NicRequest r, GuestChangeScope scope, out string mac)
    {
        var name = d.Name;
        if ((r.Network is null) == (r.Bridge is null))
            throw new VirtToolsException(Ids.NetworkOrBridge, FailureKind.InvalidArgument, "Give -Network or -Bridge (one of them). Nothing was changed.",
                name, "Name a libvirt network (virsh net-list) with -Network, or a host bridge with -Bridge.");
        if (r.Bridge is { } br && GuestSpecValidator.WhyNotABridge(br) is { } why)
            throw new VirtToolsException("InvalidBridgeName", FailureKind.InvalidArgument,
                $"'{InputText.Shown(br)}' is not a network interface name: {why}. Nothing was changed.", br,
                "Give the name of a host bridge as 'ip link' shows it, e.g. -Bridge br0.");
        if (r.Model is { } m && (m.Length is 0 or > 32 || !m.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new VirtToolsException(Ids.InvalidModel, FailureKind.InvalidArgument, $"'{InputText.Shown(m)}' is not a NIC model name. Nothing was changed.",
                m, "Use a model the hypervisor knows: virtio, e1000e, e1000, rtl8139 (KVM/QEMU), netfront (Xen).");
        var (live, config) = Sides(d, scope);
        if (r.Network is { } net)
        {
            // A live NIC needs the network running now; a definition only needs it to exist (it must run by the next boot).
            if (live) GuestNetworkChoice.RequireActive(connection, net, "Nothing was changed.");
            else using (var n = connection.FindNetwork(net) ?? throw GuestNetworkChoice.NotFound(connection, net, "Nothing was changed."))
                if (!n.IsActive) _pendingWarning = $"libvirt network '{net}' is not active: start it before guest '{name}' boots (virsh net-start {net}; virsh net-autostart {net}).";
        }
        var used = _used ??= MacAddress.InUse(connection);
        if (r.MacAddress is { } given)
        {
            mac = ParseMac(given, given);
            if (used.Contains(mac))
                throw new VirtToolsException(Ids.MacInUse, FailureKind.ResourceExists,
                    $"MAC address {mac} is already used by a guest on {connection.Uri}. Nothing was changed.", mac,
                    "Give another -MacAddress, or leave it out to have a free one generated (Get-VMGuestNetworkAdapter lists those in use).");
        }
        else mac = MacAddress.Generate(used);
        var xml = NicXml(r, mac, ModelFor(d, r.Model)).ToString(SaveOptions.DisableFormatting);
        var what = $"NIC {mac} ({(r.Network is not null ? "network:" + r.Network : "bridge:" + r.Bridge)})";
        var steps = new List<GuestChangeStep>();
        const string advice = "Check the network or bridge and the guest's free PCI slots (a q35 guest needs a free pcie-root-port for hot-plug).";
        if (live)
            steps.Add(new GuestChangeStep($"add {what} to the running guest", Ids.AddRefused, advice,
                () => d.AttachDevice(xml, Live), () => d.DetachDevice(xml, Live)));
        if (config)
            steps.Add(new GuestChangeStep($"add {what} to the definition", Ids.AddRefused, advice,
                () => d.AttachDevice(xml, Config), () => d.DetachDevice(xml, Config)));
        used.Add(mac);
        return new GuestChangePlan(d, steps, Warnings(name, live, config, d.IsActive));
    }

    private string? _pendingWarning;

    private List<string> Warnings(string name, bool live, bool config, bool active)
    {
        var w = new List<string>();
        if (_pendingWarning is { } p) { w.Add(p); _pendingWarning = null; }
        if (active && config && !live) w.Add($"Guest '{name}' is running: -Persistent changes its definition only; the change takes effect at the next boot.");
        return w;
    }

    /// <summary>The model a new NIC gets: the one asked for, else what New-VMGuest gives this kind of guest.</summary>
    private static string? ModelFor(ILibvirtDomain d, string? asked)
    {
        if (asked is not null) return asked;
        var root = Root(d, inactive: !d.IsActive);
        var type = (string?)root.Attribute("type") ?? "";
        if (type != "xen") return "virtio";
        return GuestReader.ModeOf(root, type) switch { "PV" => null, "PVHVM" => "netfront", _ => "e1000" };
    }

    public static XElement NicXml(NicRequest r, string mac, string? model)
    {
        var nic = r.Bridge is { } br
            ? new XElement("interface", new XAttribute("type", "bridge"), new XElement("mac", new XAttribute("address", mac)), new XElement("source", new XAttribute("bridge", br)))
            : new XElement("interface", new XAttribute("type", "network"), new XElement("mac", new XAttribute("address", mac)), new XElement("source", new XAttribute("network", r.Network!)));
        if (model is not null) nic.Add(new XElement("model", new XAttribute("type", model)));
        return nic;
    }

    /// <summary>The NIC's element on each side the change touches; NetworkAdapterNotFound when it is on none.</summary>
    private static (XElement? Live, XElement? Config) Find(ILibvirtDomain d, string mac, bool live, bool config)
    {
        var l = live ? MacAddress.FindNic(Root(d, false), mac) : null;
        var c = config ? MacAddress.FindNic(Root(d, true), mac) : null;
        if (l is null && c is null)
            throw new VirtToolsException(Ids.NotFound, FailureKind.ObjectNotFound,
                $"Guest '{d.Name}' has no NIC with MAC address {mac}{(live && config ? "" : live ? " while it runs" : " in its definition")}. Nothing was changed.",
                mac, $"List its NICs with Get-VMGuestNetworkAdapter {d.Name}.");
        return (l, c);
    }

    /// <summary>What the definition needs to get a live element back (undo): no alias or host-side name, which libvirt assigns.</summary>
    private static string Reattachable(XElement e)
    {
        var copy = new XElement(e);
        copy.Elements("alias").Remove();
        copy.Elements("target").Remove();
        return copy.ToString(SaveOptions.DisableFormatting);
    }

    public GuestChangePlan PlanRemove(ILibvirtDomain d, string macText, GuestChangeScope scope)
    {
        var mac = ParseMac(macText, macText);
        var (live, config) = Sides(d, scope);
        var (l, c) = Find(d, mac, live, config);
        var steps = new List<GuestChangeStep>();
        const string advice = "A guest OS must release the device (acpiphp or pciehp loaded); try again, or use -Persistent and restart the guest.";
        if (l is not null)
        {
            var xml = l.ToString(SaveOptions.DisableFormatting);
            var back = Reattachable(l);
            steps.Add(new GuestChangeStep($"remove NIC {mac} from the running guest", Ids.RemoveRefused, advice,
                () => d.DetachDevice(xml, Live), () => d.AttachDevice(back, Live)));
        }
        if (c is not null)
        {
            var xml = c.ToString(SaveOptions.DisableFormatting);
            steps.Add(new GuestChangeStep($"remove NIC {mac} from the definition", Ids.RemoveRefused, "Check the guest's definition with virsh dumpxml --inactive.",
                () => d.DetachDevice(xml, Config), () => d.AttachDevice(xml, Config)));
        }
        var w = Warnings(d.Name, l is not null, c is not null, d.IsActive);
        if (live && l is null) w.Add($"NIC {mac} is only in guest '{d.Name}''s definition; the running guest has none to remove.");
        if (config && c is null) w.Add($"NIC {mac} is only in the running guest '{d.Name}'; it goes away for good at its next shutdown.");
        return new GuestChangePlan(d, steps, w);
    }

    /// <summary>Link state Up or Down (virDomainUpdateDeviceFlags); a side already in that state is left alone.</summary>
    public GuestChangePlan PlanLinkState(ILibvirtDomain d, string macText, string state, GuestChangeScope scope)
    {
        var mac = ParseMac(macText, macText);
        var up = state.Equals("Up", StringComparison.OrdinalIgnoreCase);
        if (!up && !state.Equals("Down", StringComparison.OrdinalIgnoreCase))
            throw new VirtToolsException("InvalidLinkState", FailureKind.InvalidArgument, $"-LinkState '{state}' is not Up or Down.", state, "Give Up or Down.");
        var (live, config) = Sides(d, scope);
        var (l, c) = Find(d, mac, live, config);
        var steps = new List<GuestChangeStep>();
        var warnings = Warnings(d.Name, l is not null, c is not null, d.IsActive);
        foreach (var (element, flag, where) in new[] { (l, Live, "running guest"), (c, Config, "definition") })
        {
            if (element is null) continue;
            var wasUp = (string?)element.Element("link")?.Attribute("state") != "down";
            if (wasUp == up)
            {
                warnings.Add($"NIC {mac} of guest '{d.Name}' is already {(up ? "Up" : "Down")} in the {where}; nothing to change there.");
                continue;
            }
            var changed = WithLink(element, up);
            var old = WithLink(element, wasUp);
            steps.Add(new GuestChangeStep($"set the link of NIC {mac} {(up ? "up" : "down")} in the {where}", Ids.LinkRefused,
                "The hypervisor must support link state changes for this NIC type (QEMU does for virtio, e1000 and rtl8139).",
                () => d.UpdateDevice(changed, flag), () => d.UpdateDevice(old, flag)));
        }
        return new GuestChangePlan(d, steps, warnings);
    }

    private static string WithLink(XElement nic, bool up)
    {
        var copy = new XElement(nic);
        copy.Elements("link").Remove();
        copy.Add(new XElement("link", new XAttribute("state", up ? "up" : "down")));
        return copy.ToString(SaveOptions.DisableFormatting);
    }
}
