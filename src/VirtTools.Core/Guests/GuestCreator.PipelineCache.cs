using VirtTools.Libvirt;

namespace VirtTools.Guests;

/// <summary>
/// What planning reads that does not change between the guests of one pipeline (New-VMGuest keeps one
/// creator per connection for the whole pipeline): the node's size, the driver type, the capability
/// XML and the chosen network are read once, not once per guest. A network choice that failed is not
/// kept, so each guest reports its own error.
/// </summary>
public sealed partial class GuestCreator
{
    private LibvirtNodeInfo? _nodeInfo;
    private string? _driverType;
    private string? _capabilities;
    private readonly Dictionary<(string? Network, string? Bridge, bool NoNetwork), (string? Network, string[] Warnings)> _networkChoices = new();

    private LibvirtNodeInfo NodeInfo() => _nodeInfo ??= _c.GetNodeInfo();

    private string DriverType => _driverType ??= _c.DriverType;

    private string Capabilities() => _capabilities ??= _c.GetCapabilities();

    private string? ChooseNetwork(GuestRequest r, List<string> warnings)
    {
        var key = (r.Network, r.Bridge, r.NoNetwork);
        if (!_networkChoices.TryGetValue(key, out var choice))
        {
            var said = new List<string>();
            choice = (Networking.GuestNetworkChoice.Choose(_c, r.Network, r.Bridge, r.NoNetwork, said), said.ToArray());
            _networkChoices[key] = choice;
        }
        warnings.AddRange(choice.Warnings);
        return choice.Network;
    }
}
