using System.Net;
using VirtTools.Networking;

namespace VirtTools.Tests.Networking;

public sealed class IPSubnetTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.255.0.0/16", true)]
    [InlineData("10.0.0.0/24", "10.0.1.0/24", false)]
    [InlineData("10.0.0.128/25", "10.0.0.0/25", false)]
    [InlineData("10.0.0.0/23", "10.0.1.200/32", true)]
    [InlineData("fd00::/64", "fd00::1/128", true)]
    [InlineData("fd00::/64", "fd00:0:0:1::/64", false)]
    [InlineData("10.0.0.0/8", "fd00::/8", false)]
    public void Overlap_is_shared_addresses_in_the_same_family(string a, string b, bool overlap)
    {
        Assert.Equal(overlap, IPSubnet.TryParse(a)!.Overlaps(IPSubnet.TryParse(b)!));
        Assert.Equal(overlap, IPSubnet.TryParse(b)!.Overlaps(IPSubnet.TryParse(a)!));
    }

    [Theory]
    [InlineData("10.1.2.3/16", "10.1.0.0/16", true)]
    [InlineData("10.1.0.0/16", "10.1.0.0/16", false)]
    [InlineData("fd00::5/64", "fd00::/64", true)]
    public void Network_address_and_host_part(string text, string shown, bool hostPart)
    {
        var s = IPSubnet.TryParse(text)!;
        Assert.Equal((shown, hostPart), (s.ToString(), s.HasHostPart));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/+8")]
    [InlineData("10.0.0.0/8\n")]
    [InlineData("10.0/8")]
    [InlineData("fe80::1%2/64")]
    [InlineData("fd00::/129")]
    [InlineData("host/24")]
    public void Not_a_subnet(string? text) => Assert.Null(IPSubnet.TryParse(text));

    [Theory]
    [InlineData("255.255.255.0", 24)]
    [InlineData("255.255.252.0", 22)]
    [InlineData("0.0.0.0", 0)]
    [InlineData("255.0.255.0", null)]
    public void Prefix_of_a_netmask(string mask, int? prefix) => Assert.Equal(prefix, IPSubnet.PrefixOfMask(IPAddress.Parse(mask)));
}
