using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>Lists the disks, DVD drives and floppies of guests: the running guest's, or a shut-off guest's definition.</summary>
[Cmdlet(VerbsCommon.Get, "VMGuestDisk", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VMGuestDisk.md")]
[OutputType(typeof(VMGuestDisk))]
public sealed class GetVMGuestDiskCommand : GuestCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("GuestName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Only these targets (vda, sd*).</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DiskTargetCompleter))]
    public string[]? Target { get; set; }

    /// <summary>Only these kinds: Disk, Cdrom, Floppy, Lun.</summary>
    [Parameter]
    [ValidateSet("Disk", "Cdrom", "Floppy", "Lun", IgnoreCase = true)]
    public string[]? Device { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var patterns = Target?.Select(t => new WildcardPattern(t, WildcardOptions.None)).ToList();
        ForEachGuest(c, Name, d =>
        {
            IReadOnlyList<VMGuestDisk> disks;
            try { disks = GuestDiskCommandBase.ReadDisks(d, c.Uri); }
            catch (LibvirtException e) when (e.Code == ErrorCodes.NoDomain) { return; } // removed between list and read
            Storage.BackingChainReader.FillFromVolumes(disks, c);
            foreach (var disk in disks)
            {
                if (patterns is not null && !patterns.Any(p => p.IsMatch(disk.Target))) continue;
                if (Device is { Length: > 0 } && !Device.Contains(disk.Device, StringComparer.OrdinalIgnoreCase)) continue;
                WriteObject(disk);
            }
        });
    }
}
