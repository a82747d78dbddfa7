# Shared by the Pester files that hold one test:///default connection open in $Keep (dot-sourced in
# BeforeAll, after $Keep and $Pool are set): what the driver holds, to show that a refused or failed
# command left nothing behind.

function Get-VolumeNames {
    $p = $Keep.FindStoragePool($Pool)
    try { @($p.ListVolumes() | ForEach-Object { $_.Name; $_.Dispose() }) | Sort-Object } finally { $p.Dispose() }
}

function Get-GuestNames { @($Keep.ListDomains('All') | ForEach-Object { $_.Name; $_.Dispose() }) | Sort-Object }
