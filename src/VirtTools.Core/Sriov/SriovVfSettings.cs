namespace VirtTools.Sriov;

/// <summary>What Set-SriovVf asks for; null leaves a setting as it is.</summary>
public sealed class SriovVfSettings
{
    public string? MacAddress { get; set; }
    public int? VlanId { get; set; }
    public int? Qos { get; set; }
    public bool? SpoofCheck { get; set; }
    public bool? Trust { get; set; }
    /// <summary>auto, enable or disable.</summary>
    public string? LinkState { get; set; }
    public int? MinTxRate { get; set; }
    public int? MaxTxRate { get; set; }

    public bool IsEmpty => MacAddress is null && VlanId is null && Qos is null && SpoofCheck is null && Trust is null
        && LinkState is null && MinTxRate is null && MaxTxRate is null;
}
