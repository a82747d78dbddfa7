using VirtTools.Pci;

namespace VirtTools.Tests;

public class PciAddressTests
{
    [Theory]
    [InlineData("0000:03:00.0", "0000:03:00.0")]
    [InlineData("03:00.1", "0000:03:00.1")]
    [InlineData("pci_0000_04_00_1", "0000:04:00.1")]
    [InlineData("10000:e1:1f.7", "10000:e1:1f.7")]
    [InlineData(" 0000:AF:00.0 ", "0000:af:00.0")]
    [InlineData("ffff:ff:1f.7", "ffff:ff:1f.7")]
    [InlineData("1:2:3.4", "0001:02:03.4")]
    public void Parses_the_forms_admins_type(string text, string expected)
    {
        Assert.True(PciAddress.TryParse(text, out var a));
        Assert.Equal(expected, a.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("0000:03:00")]
    [InlineData("0000:03:20.0")]
    [InlineData("0000:03:00.8")]
    [InlineData("zz:00.0")]
    [InlineData("0000:003:00.0")]
    [InlineData("0000:03:00:00.0")]
    [InlineData("0000::00.0")]
    [InlineData(":03:00.0")]
    [InlineData("0000:03:00.")]
    [InlineData("pci_0000_03_00")]
    public void Rejects_what_is_not_an_address(string text) => Assert.False(PciAddress.TryParse(text, out _));

    [Fact]
    public void Parse_failure_is_an_actionable_error()
    {
        var e = Assert.Throws<VirtToolsException>(() => PciAddress.Parse("nope"));
        Assert.Equal("InvalidPciAddress", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void Sorts_by_domain_bus_slot_function() =>
        Assert.Equal(new[] { "0000:00:1f.0", "0000:03:00.0", "0001:00:00.0" },
            new[] { "0001:00:00.0", "0000:03:00.0", "0000:00:1f.0" }.Select(PciAddress.Parse).Order().Select(a => a.ToString()));

    [Theory]
    [InlineData("0000:03:00.0", true)]
    [InlineData("10000:e1:1f.7", true)]
    [InlineData("pci0000:00", false)]
    [InlineData("0000:00", false)]
    [InlineData("03:00.0", false)]
    [InlineData("pci_0000_03_00_0", false)]
    [InlineData("1-1:1.0", false)]
    [InlineData("virtfn0", false)]
    public void Sysfs_names_are_only_the_kernels_canonical_form(string name, bool isFunction) =>
        Assert.Equal(isFunction, PciAddress.TryParseSysfsName(name, out _));
}
