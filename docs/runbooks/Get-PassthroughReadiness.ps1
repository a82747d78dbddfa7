<#
.SYNOPSIS
Reports the PCI pass-through readiness of a fleet of hosts as CSV: one row per host.

.DESCRIPTION
For each host (a root directory: "/" for the machine it runs on, or a recorded capture, or a host's
root mounted over the network; or run it on each host with Invoke-Command and gather the rows) it
reads Test-VHSRequirement, Get-IommuGroup and Get-PciDevice and writes one row: whether KVM and the
IOMMU are ready, how many IOMMU groups can go to a guest whole, and which devices could be passed
through. It only reads, so it runs as an ordinary user too (Get-PciDevice then warns that config
space is cut; the row says so in Notes). Nothing prompts: fit for cron, CI and runbooks.

.EXAMPLE
./Get-PassthroughReadiness.ps1 -Root /, /srv/captures/host17 -Path fleet.csv

.EXAMPLE
Invoke-Command -HostName host1, host2 -FilePath ./Get-PassthroughReadiness.ps1 | Export-Csv fleet.csv
#>
[CmdletBinding()]
param(
    # Host roots to read (VIRTTOOLS_ROOT for each); "/" is the machine this runs on.
    [string[]] $Root = @('/'),
    # Where to write the CSV; without it the rows are output.
    [string] $Path
)
$ErrorActionPreference = 'Stop'
# `virttools -File script.ps1 -Root a,b` hands over one string: split it as pwsh would have.
$Root = @($Root | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
Import-Module VirtTools
$saved = $env:VIRTTOOLS_ROOT
$rows = foreach ($r in $Root) {
    $env:VIRTTOOLS_ROOT = $r
    $notes = [System.Collections.Generic.List[string]]::new()
    try {
        $checks = @(Test-VHSRequirement -WarningAction SilentlyContinue)
        $groups = @(Get-IommuGroup -WarningAction SilentlyContinue -ErrorAction SilentlyContinue)
        $devices = @(Get-PciDevice -WarningVariable pciWarnings -WarningAction SilentlyContinue)
        if (@($pciWarnings | Where-Object { "$_" -like '*first 64 bytes*' })) { $notes.Add('not root: PCI config space cut to 64 bytes') }
        $failed = @($checks | Where-Object Status -eq 'Fail')
        $viable = @($groups | Where-Object IsViable)
        $assignable = @($viable.Devices | Where-Object { -not $_.IsBridge } | ForEach-Object Address)
        [pscustomobject]@{
            Host            = $r
            Ready           = $failed.Count -eq 0 -and $viable.Count -gt 0
            FailedChecks    = ($failed.Name | Sort-Object -Unique) -join ';'
            IommuGroups     = $groups.Count
            ViableGroups    = $viable.Count
            PciDevices      = $devices.Count
            VfioBound       = @($devices | Where-Object Driver -eq 'vfio-pci').Count
            SriovPfs        = @($devices | Where-Object { $_.SriovTotalVfs -gt 0 }).Count
            Assignable      = $assignable -join ';'
            Notes           = $notes -join ';'
        }
    }
    catch {
        [pscustomobject]@{ Host = $r; Ready = $false; FailedChecks = ''; IommuGroups = 0; ViableGroups = 0; PciDevices = 0
            VfioBound = 0; SriovPfs = 0; Assignable = ''; Notes = "unreadable: $($_.FullyQualifiedErrorId): $_" }
    }
}
$env:VIRTTOOLS_ROOT = $saved
if ($Path) { $rows | Export-Csv -LiteralPath $Path -NoTypeInformation } else { $rows }
