# Shared by Get-SriovVf.Tests.ps1 and Set-SriovVf.Tests.ps1 on top of TestHost.ps1: the simulated
# workstation with an SR-IOV NIC (0000:08:00.0, ixgbe, enp8s0f0) and a simulated `ip` on the process seam
# that answers as the Linux 6.1 igb driver did (tests/VirtTools.TestSupport/SimulatedIpLink.cs).
. (Join-Path $PSScriptRoot TestHost.ps1)
$Pf = $W::SriovNic

function New-VfHost([int]$Vfs = 2) {
    $kernel = [VirtTools.Testing.SimulatedHosts]::CreateSriovWorkstation((New-TestTempPath 'vt-pester-sriovvf'), $true)
    $ip = [VirtTools.Testing.SimulatedIpLink]::new($kernel).AddPf($Pf, 'enp8s0f0')
    if ($Vfs -gt 0) { $kernel.Write("/sys/bus/pci/devices/$Pf/sriov_numvfs", "$Vfs") }
    $null = $kernel.Install()
    [pscustomobject]@{ Kernel = $kernel; Ip = $ip }
}
