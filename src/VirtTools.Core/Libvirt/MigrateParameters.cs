namespace VirtTools.Libvirt;

/// <summary>Migration parameter names (VIR_MIGRATE_PARAM_*).</summary>
public static class MigrateParameters
{
    public const string Uri = "migrate_uri";
    public const string DestinationName = "destination_name";
    public const string DestinationXml = "destination_xml";
    public const string Bandwidth = "bandwidth";
    public const string DisksUri = "disks_uri";
}
