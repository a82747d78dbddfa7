using VirtTools.Libvirt;

namespace VirtTools.Networking;

/// <summary>
/// Which libvirt network a new guest's NIC goes on (New-VMGuest): the one asked for, which must exist and
/// be active (a guest on an inactive network is defined, then fails to start); else 'default' when it
/// exists and is active, as virt-install does; else none, said in a warning.
/// </summary>
public static class GuestNetworkChoice
{
    public const string DefaultNetwork = "default";

    public static class Ids
    {
        public const string NotFound = "NetworkNotFound";
        public const string NotActive = "NetworkNotActive";
        public const string NoNetworkAndNetwork = "NoNetworkWithNetwork";
    }

    /// <summary>The network name for the guest's NIC, or null (a bridge, or no NIC).</summary>
    public static string? Choose(ILibvirtConnection c, string? network, string? bridge, bool noNetwork, ICollection<string> warnings)
    {
        if (noNetwork && (network is not null || bridge is not null))
            throw new VirtToolsException(Ids.NoNetworkAndNetwork, FailureKind.InvalidArgument,
                "-NoNetwork asks for a guest without a NIC, and -Network or -Bridge for one with it. Nothing was created.",
                network ?? bridge, "Give -NoNetwork alone, or -Network or -Bridge without it.");
        if (network is not null)
        {
            RequireActive(c, network);
            return network;
        }
        if (bridge is not null || noNetwork) return null;
        using var def = c.FindNetwork(DefaultNetwork);
        if (def is not null && def.IsActive) return DefaultNetwork;
        warnings.Add(def is null
            ? $"The guest gets no NIC: {c.Uri} has no libvirt network '{DefaultNetwork}'. Give -Network or -Bridge for one, or -NoNetwork to say none is wanted."
            : $"The guest gets no NIC: libvirt network '{DefaultNetwork}' is not active. Start it (virsh net-start {DefaultNetwork}; virsh net-autostart {DefaultNetwork}) and add a NIC with Add-VMGuestNetworkAdapter, or give -Network, -Bridge or -NoNetwork.");
        return null;
    }

    /// <summary>Refuses a network that does not exist or is not active, with what to do.</summary>
    public static void RequireActive(ILibvirtConnection c, string network, string outcome = "Nothing was created.")
    {
        using var n = c.FindNetwork(network) ?? throw NotFound(c, network, outcome);
        if (!n.IsActive)
            throw new VirtToolsException(Ids.NotActive, FailureKind.InvalidOperation,
                $"libvirt network '{network}' on {c.Uri} is not active: a guest on it cannot start and no NIC can join it. {outcome}", network,
                $"Start it and mark it autostart so it comes back with the host: virsh net-start {network}; virsh net-autostart {network}");
    }

    public static VirtToolsException NotFound(ILibvirtConnection c, string network, string outcome) =>
        new(Ids.NotFound, FailureKind.ObjectNotFound, $"libvirt network '{network}' does not exist on {c.Uri}. {outcome}".TrimEnd(), network,
            "List networks with Get-VMNetwork, or use -Bridge with a host bridge.");
}
