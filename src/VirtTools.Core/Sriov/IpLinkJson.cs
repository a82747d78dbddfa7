using System.Globalization;
using System.Text.Json;

namespace VirtTools.Sriov;

/// <summary>One entry of vfinfo_list in `ip -j -d link show dev &lt;pf&gt;`.</summary>
public sealed record IpLinkVfInfo(int Index, string? MacAddress, int VlanId, int Qos, string? VlanProtocol,
    int MinTxRate, int MaxTxRate, bool? SpoofCheck, bool? Trust, string? LinkState);

/// <summary>
/// Reads iproute2's JSON. The shape changed over the years and differs by driver, so every key is
/// optional: vlan/qos sit in vlan_list (kernels with IFLA_VF_VLAN_LIST, ip 4.9 on) or directly in the
/// entry (older); "rate" {min_tx,max_tx} is newer than the single "tx_rate"; spoofchk, trust and
/// link_state are missing when the driver reports them as unsupported (-1).
/// </summary>
public static class IpLinkJson
{
    public sealed record Link(string? Interface, int? IfIndex, IReadOnlyList<IpLinkVfInfo> Vfs);

    /// <summary>Parses the output for one device; throws <see cref="VirtToolsException"/> (IpOutputUnreadable) on text that is not that JSON.</summary>
    public static Link Parse(string json, string source = "ip -j -d link show")
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e)
        {
            throw Unreadable(source, "it is not JSON: " + e.Message);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                if (root.GetArrayLength() == 0) throw Unreadable(source, "it lists no device");
                root = root[0];
            }
            if (root.ValueKind != JsonValueKind.Object) throw Unreadable(source, "it is not a device object");
            var name = Str(root, "ifname");
            int? ifindex = root.TryGetProperty("ifindex", out var ix) && ix.ValueKind == JsonValueKind.Number ? ix.GetInt32() : null;
            var vfs = new List<IpLinkVfInfo>();
            if (root.TryGetProperty("vfinfo_list", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                var position = 0;
                foreach (var vf in list.EnumerateArray())
                {
                    vfs.Add(ParseVf(vf, position));
                    position++;
                }
            }
            return new Link(name, ifindex, vfs);
        }
    }

    private static IpLinkVfInfo ParseVf(JsonElement vf, int position)
    {
        var index = Int(vf, "vf") ?? position;
        int vlan = Int(vf, "vlan") ?? 0, qos = Int(vf, "qos") ?? 0;
        var proto = Str(vf, "vlan_protocol") ?? Str(vf, "protocol");
        if (vf.TryGetProperty("vlan_list", out var vl) && vl.ValueKind == JsonValueKind.Array && vl.GetArrayLength() > 0)
        {
            // The kernel reports one port VLAN per VF (IFLA_VF_VLAN_LIST holds one entry today).
            var first = vl[0];
            vlan = Int(first, "vlan") ?? 0;
            qos = Int(first, "qos") ?? 0;
            proto = Str(first, "protocol") ?? Str(first, "vlan_protocol") ?? proto;
        }
        int min = 0, max = Int(vf, "tx_rate") ?? 0;
        if (vf.TryGetProperty("rate", out var rate) && rate.ValueKind == JsonValueKind.Object)
        {
            min = Int(rate, "min_tx") ?? 0;
            max = Int(rate, "max_tx") ?? max;
        }
        var mac = Str(vf, "address") ?? Str(vf, "mac");
        return new IpLinkVfInfo(index, mac?.ToLowerInvariant(), vlan, qos, proto, min, max,
            Bool(vf, "spoofchk"), Bool(vf, "trust"), Str(vf, "link_state")?.ToLowerInvariant());
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l)) return (int)Math.Clamp(l, int.MinValue, int.MaxValue);
        if (v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) return i;
        return null;
    }

    private static bool? Bool(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => v.GetString() is "on" or "true" ? true : v.GetString() is "off" or "false" ? false : null,
            _ => null,
        };
    }

    private static VirtToolsException Unreadable(string source, string why) =>
        new("IpOutputUnreadable", FailureKind.InvalidData, $"The output of {source} could not be read: {why}.", source,
            "Check that iproute2 is 4.14 or later (ip -V): older versions have no -j (JSON) output.");
}
