namespace VirtTools.Libvirt;

/// <summary>libvirt's virtual networks (Get-VMNetwork, New-VMGuest's network checks).</summary>
public partial interface ILibvirtConnection
{
    IReadOnlyList<ILibvirtNetwork> ListNetworks();
    /// <summary>The network named exactly so; null when there is none.</summary>
    ILibvirtNetwork? FindNetwork(string name);
    /// <summary>virNetworkDefineXML: a persistent, inactive network.</summary>
    ILibvirtNetwork DefineNetwork(string xml);
}
