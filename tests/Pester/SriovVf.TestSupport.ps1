# Shared by Get-SriovVf.Tests.ps1 and Set-SriovVf.Tests.ps1: the simulated workstation with an SR-IOV
# NIC (0000:08:00.0, ixgbe, enp8s0f0) and a simulated `ip` on the process seam that answers as the
# Linux 6.1 igb driver did (tests/VirtTools.TestSupport/SimulatedIpLink.cs).
Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
Add-Type -Path (Join-Path $PSScriptRoot ../VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
$script:W = [VirtTools.Testing.SimulatedHosts+Workstation]
$script:Pf = $W::SriovNic
$script:roots = [System.Collections.Generic.List[string]]::new()

# Not under $TestDrive: Pester walks it and follows sysfs' symlink loops.
function New-VfHost([int]$Vfs = 2) {
    $root = Join-Path ([IO.Path]::GetTempPath()) ('vt-pester-sriovvf-' + [guid]::NewGuid().ToString('n'))
    $roots.Add($root)
    $kernel = [VirtTools.Testing.SimulatedHosts]::CreateSriovWorkstation($root, $true)
    $ip = [VirtTools.Testing.SimulatedIpLink]::new($kernel).AddPf($Pf, 'enp8s0f0')
    if ($Vfs -gt 0) { $kernel.Write("/sys/bus/pci/devices/$Pf/sriov_numvfs", "$Vfs") }
    $null = $kernel.Install()
    [pscustomobject]@{ Kernel = $kernel; Ip = $ip }
}

function Remove-VfHosts {
    [VirtTools.Testing.SimulatedKernel]::Uninstall()
    foreach ($r in $roots) { Remove-Item -LiteralPath $r -Recurse -Force -ErrorAction SilentlyContinue }
}
