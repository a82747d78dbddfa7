# Runs every High-impact changing cmdlet once, each on a host of its own (the simulated PCI kernel, a copy
# of a recorded SLES root with scripted programs, guests on libvirt's test driver), and returns one row per
# cmdlet: the error ids it gave and how long it took. Unattended.Tests.ps1 dot-sources it in a runspace
# without a host and runs it as a `pwsh -NonInteractive -File` child (then it prints the rows as JSON), so
# the same invocations are proven in both places. -Confirm:$false is passed through -Confirm.
param([switch] $AsChild, [string] $Confirm = 'ask')

$repo = (Resolve-Path (Join-Path $PSScriptRoot ../../..)).Path
if (-not (Get-Module VirtTools)) { Import-Module (Join-Path $repo VirtTools.psd1) }
if (-not ('VirtTools.Testing.SimulatedKernel' -as [type])) {
    Add-Type -Path (Join-Path $repo tests/VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
}
$env:VIRTTOOLS_REPO = $repo
$W = [VirtTools.Testing.SimulatedHosts+Workstation]
$U = 'test:///default'
$scratch = Join-Path ([IO.Path]::GetTempPath()) ('vt-unattended-' + [guid]::NewGuid().ToString('N').Substring(0, 8))

function New-Workstation {
    $k = [VirtTools.Testing.SimulatedHosts]::CreateWorkstation((Join-Path $scratch ([guid]::NewGuid().ToString('N'))), $true)
    $null = $k.Install()
    $k
}

function New-Sles {
    $root = [VirtTools.Testing.HostConfigRoots]::Copy((Join-Path $repo tests/fixtures/hostconfig/sles15sp6), (Join-Path $scratch ([guid]::NewGuid().ToString('N'))))
    $null = [VirtTools.Testing.HostConfigRoots]::Install($root, [VirtTools.Testing.SimulatedProcessRunner]::new(), $null)
}

function New-Guest([string] $Name, [switch] $Snapshot) {
    $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
    $disks = "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/$Name.qcow2'/><target dev='vda'/></disk>" +
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/$Name-data.qcow2'/><target dev='vdb'/></disk>"
    $d = $c.DefineDomain("<domain type='test'><name>$Name</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='i686'>hvm</type></os><devices>$disks</devices></domain>", 0)
    $d.Dispose()
    $c
}

$rows = [ordered]@{
    'Enable-VfioDevice'         = { $null = New-Workstation; Enable-VfioDevice $W::FreeNic @c }
    'Disable-VfioDevice'        = { $k = New-Workstation; $k.AttachUnbound('vfio-pci'); Enable-VfioDevice $W::FreeNic -Confirm:$false; Disable-VfioDevice $W::FreeNic @c }
    'Set-VHSKernelModuleOption' = { New-Sles; Set-VHSKernelModuleOption kvm_intel enable_apicv=0 -Persist @c -WarningAction SilentlyContinue }
    'Remove-VMGuest'            = { $conn = New-Guest ua-rm; try { Remove-VMGuest ua-rm -ConnectionUri $U @c } finally { $conn.Dispose() } }
    'Remove-VMGuestDisk'        = { $conn = New-Guest ua-disk; try { Remove-VMGuestDisk ua-disk vdb -ConnectionUri $U @c } finally { $conn.Dispose() } }
    'Remove-VMGuestSnapshot'    = { $conn = New-Guest ua-snap; try { Checkpoint-VMGuest ua-snap -SnapshotName s1 -ConnectionUri $U -Confirm:$false; Remove-VMGuestSnapshot ua-snap s1 -ConnectionUri $U @c } finally { $conn.Dispose() } }
    'Restore-VMGuestSnapshot'   = { $conn = New-Guest ua-rest; try { Checkpoint-VMGuest ua-rest -SnapshotName s1 -ConnectionUri $U -Confirm:$false; Restore-VMGuestSnapshot ua-rest s1 -ConnectionUri $U @c } finally { $conn.Dispose() } }
    'Remove-VMNetwork'          = { $conn = [VirtTools.Libvirt.LibvirtConnector]::Open($U); try { New-VMNetwork ua-net -Mode Isolated -Subnet 10.250.77.0/24 -ConnectionUri $U -Confirm:$false; Remove-VMNetwork ua-net -ConnectionUri $U @c } finally { $conn.Dispose() } }
    'Remove-VMStoragePool'      = { $conn = [VirtTools.Libvirt.LibvirtConnector]::Open($U); try { $dir = Join-Path $scratch ua-pool; $null = New-Item -ItemType Directory -Force $dir; New-VMStoragePool ua-pool -Path $dir -ConnectionUri $U -Confirm:$false; Remove-VMStoragePool ua-pool -ConnectionUri $U @c } finally { $conn.Dispose() } }
    'Remove-VMStorageVolume'    = { $conn = [VirtTools.Libvirt.LibvirtConnector]::Open($U); try { New-VMStorageVolume default-pool ua-vol.qcow2 1MB -ConnectionUri $U -Confirm:$false; Remove-VMStorageVolume default-pool ua-vol.qcow2 -ConnectionUri $U @c } finally { $conn.Dispose() } }
}

$result = foreach ($name in $rows.Keys) {
    $c = if ($Confirm -eq 'none') { @{ Confirm = $false } } else { @{} }
    $errors = @()
    $watch = [Diagnostics.Stopwatch]::StartNew()
    try { $errors = @(& $rows[$name] 2>&1 3>$null | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) }
    catch { $errors += $_ }
    finally { [VirtTools.Testing.SimulatedKernel]::Uninstall() }
    [pscustomobject]@{
        Name = $name
        ErrorIds = @($errors | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { $_.FullyQualifiedErrorId } else { "$_" } })
        Messages = @($errors | ForEach-Object { "$_ $($_.ErrorDetails.RecommendedAction)" })
        Seconds = $watch.Elapsed.TotalSeconds
    }
}
if (Test-Path $scratch) { Remove-Item -Recurse -Force $scratch }
if ($AsChild) { $result | ConvertTo-Json -Depth 4 -Compress } else { $result }
