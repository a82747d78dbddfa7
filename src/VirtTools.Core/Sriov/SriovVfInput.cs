using System.Globalization;
using VirtTools.Pci;
using Ids = VirtTools.Sriov.SriovVfManager.Ids;

namespace VirtTools.Sriov;

/// <summary>Checks what Set-SriovVf is given before anything is read or run.</summary>
internal static class SriovVfInput
{
    /// <summary>aa:bb:cc:dd:ee:ff (also with '-' or as 12 hex digits) in lower case; refuses multicast and all-zero.</summary>
    public static string NormalizeMac(string text, PciAddress? pf = null)
    {
        var mac = NormalizeMacOrNull(text);
        var target = pf?.ToString() ?? text;
        if (mac is null)
            throw new VirtToolsException(Ids.MacMalformed, FailureKind.InvalidArgument,
                $"'{text}' is not a MAC address.", target, "Give six hex octets, e.g. 02:00:00:12:34:56.");
        var first = byte.Parse(mac.AsSpan(0, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if ((first & 1) != 0)
            throw new VirtToolsException(Ids.MacMulticast, FailureKind.InvalidArgument,
                $"{mac} is a multicast address (the lowest bit of its first octet is set); a VF needs a unicast MAC (the kernel refuses it with EINVAL).",
                target, "Use a unicast address; locally administered ones start with x2, x6, xA or xE (02:..., 06:...).");
        if (mac == "00:00:00:00:00:00")
            throw new VirtToolsException(Ids.MacZero, FailureKind.InvalidArgument,
                "00:00:00:00:00:00 is not a usable MAC. Drivers read it differently (igb lets the VF pick a random one again, others refuse it), so VirtTools does not send it.",
                target, "Give the VF a unicast address; to hand the choice back to the VF, use ip link set <pf> vf <n> mac 00:00:00:00:00:00 if your driver documents it.");
        return mac;
    }

    public static string? NormalizeMacOrNull(string text)
    {
        var t = text.Trim();
        string hex;
        if (t.Length == 17 && (t.Split(':').Length == 6 || t.Split('-').Length == 6) && t.Split(':', '-').All(p => p.Length == 2))
            hex = string.Concat(t.Split(':', '-'));
        else if (t.Length == 12) hex = t;
        else return null;
        if (!hex.All(Uri.IsHexDigit)) return null;
        hex = hex.ToLowerInvariant();
        return string.Join(':', Enumerable.Range(0, 6).Select(i => hex.Substring(i * 2, 2)));
    }

    public static void ValidateRanges(SriovVfSettings s, PciAddress pf)
    {
        if (s.VlanId is int v && (v < 0 || v > 4095))
            throw new VirtToolsException(Ids.VlanOutOfRange, FailureKind.InvalidArgument,
                $"-VlanId {v} is outside 0-4095 (0 removes the port VLAN).", pf.ToString(), "Give a VLAN ID from 1 to 4094, or 0 for none.");
        if (s.Qos is int q && (q < 0 || q > 7))
            throw new VirtToolsException(Ids.QosOutOfRange, FailureKind.InvalidArgument,
                $"-Qos {q} is outside 0-7 (the 802.1p priority).", pf.ToString(), "Give a priority from 0 to 7.");
        foreach (var (name, rate) in new[] { ("MinTxRate", s.MinTxRate), ("MaxTxRate", s.MaxTxRate) })
            if (rate is int r && r < 0)
                throw new VirtToolsException(Ids.RateNegative, FailureKind.InvalidArgument,
                    $"-{name} {r} is negative.", pf.ToString(), "Give a rate in Mbit/s, 0 for none.");
        if (s.LinkState is string ls && !SriovVfManager.LinkStates.Contains(ls.ToLowerInvariant()))
            throw new VirtToolsException(Ids.LinkStateInvalid, FailureKind.InvalidArgument,
                $"-LinkState '{ls}' is not auto, enable or disable.", pf.ToString(), "Use auto (follow the PF), enable or disable.");
    }
}
