<#
.SYNOPSIS
Drains a host: live-migrates every running guest to another libvirt URI, one at a time.

.DESCRIPTION
Before maintenance (a kernel update, a firmware flash) every running guest of -ConnectionUri moves
to -DestinationUri with Move-VMGuest (live, persistent on the destination, undefined on the source),
one after another so that the network is not shared between migrations. A guest that cannot move
(a host device, local storage without -CopyStorage) is reported and the others still go; the script
fails (exit code 1 under virttools -File) when any guest stayed. One object per guest says what
happened. It never prompts: -Confirm:$false is passed on, so it is fit for cron and runbooks; use
-WhatIf to see the plan first.

.EXAMPLE
virttools -NonInteractive -File ./Invoke-HostDrain.ps1 -ConnectionUri qemu:///system -DestinationUri qemu+ssh://root@host2/system
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string] $ConnectionUri = 'qemu:///system',
    [Parameter(Mandatory)] [string] $DestinationUri,
    # Copy local disks too (no shared storage).
    [switch] $CopyStorage,
    # Where QEMU on the destination listens (Move-VMGuest -MigrationUri); {0} becomes the guest's name,
    # e.g. unix:///run/mig/{0}.sock. Without it libvirt picks the destination's address.
    [string] $MigrationUri
)
Import-Module VirtTools
$running = @(Get-VMGuest -ConnectionUri $ConnectionUri -ErrorAction Stop | Where-Object State -eq 'Running')
$stayed = 0
foreach ($g in $running) {
    $moved = $null
    $why = $null
    $via = if ($MigrationUri) { @{ MigrationUri = $MigrationUri -f $g.Name } } else { @{} }
    try {
        $moved = Move-VMGuest @via -Name $g.Name -ConnectionUri $ConnectionUri -DestinationUri $DestinationUri -Persistent -UndefineSource `
            -CopyStorage:$CopyStorage -PassThru -Confirm:$false -WhatIf:$WhatIfPreference -ErrorAction Stop
    }
    catch { $why = "$($_.FullyQualifiedErrorId): $_"; $stayed++ }
    [pscustomobject]@{
        Name        = $g.Name
        From        = $ConnectionUri
        To          = $DestinationUri
        Moved       = $null -ne $moved
        Error       = $why
    }
}
if ($stayed -gt 0) { throw "$stayed of $($running.Count) running guests stayed on $ConnectionUri; see the Error column." }
