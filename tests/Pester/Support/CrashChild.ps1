# Child of CrashSafety.Tests.ps1: runs one persistent change on a copied host root with scripted
# programs, in a process that VIRTTOOLS_CRASH_AFTER may kill with SIGKILL part-way.
param([string] $Root, [string] $Command)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot ../HostConfig.TestSupport.ps1)
$null = Use-ConfigRoot $Root @{
    'grub2-mkconfig -o /boot/grub2/grub.cfg' = 0
    'dracut -f' = 0
    'modprobe vfio-pci' = 0
    'modprobe vfio_pci' = 0
    'modprobe nouveau' = 0
}
& ([scriptblock]::Create($Command))
