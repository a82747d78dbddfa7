# Shared set-up of the Pester files that run cmdlets on simulated or copied roots (dot-sourced first in a
# file's BeforeAll; not a test file itself). It imports the module and then the test-support assembly
# (which binds to the module's VirtTools.Core), keeps the caller's VIRTTOOLS_ROOT and SSH_CONNECTION for
# Restore-TestHost, and hands out temp paths outside $TestDrive: Pester walks $TestDrive and would follow
# the symlink loops of a sysfs tree (device/subsystem -> bus -> devices -> device).
Import-Module (Join-Path $PSScriptRoot ../../../VirtTools.psd1)
Add-Type -Path (Join-Path $PSScriptRoot ../../VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
$testHostEnvironment = @{ VIRTTOOLS_ROOT = $env:VIRTTOOLS_ROOT; SSH_CONNECTION = $env:SSH_CONNECTION }
$testHostPaths = [System.Collections.Generic.List[string]]::new()
$W = [VirtTools.Testing.SimulatedHosts+Workstation]

# A path under the system temp folder that does not exist yet; Restore-TestHost removes it.
function New-TestTempPath {
    param([string] $Prefix = 'vt-pester')
    $path = Join-Path ([IO.Path]::GetTempPath()) ($Prefix + '-' + [guid]::NewGuid().ToString('N'))
    $testHostPaths.Add($path)
    $path
}

# A simulated workstation (VirtTools.Testing.SimulatedHosts) in a new temp path, installed as the host
# the cmdlets see; -Sriov adds the SR-IOV NIC.
function New-SimulatedHost {
    param([switch] $VfioLoaded, [switch] $Sriov)
    $root = New-TestTempPath 'vt-pester-sim'
    $kernel = if ($Sriov) { [VirtTools.Testing.SimulatedHosts]::CreateSriovWorkstation($root, $VfioLoaded.IsPresent) }
    else { [VirtTools.Testing.SimulatedHosts]::CreateWorkstation($root, $VfioLoaded.IsPresent) }
    $null = $kernel.Install()
    $kernel
}

# The ConfirmImpact a cmdlet declares in its [Cmdlet] attribute.
function Get-ConfirmImpact {
    param([string] $Name)
    (Get-Command $Name).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact
}

# Every path under the root with its content or link target, without following links: two equal
# snapshots prove that nothing was written.
function Get-TreeSnapshot {
    param([string] $Root)
    $lines = [System.Collections.Generic.List[string]]::new()
    $pending = [System.Collections.Generic.Stack[string]]::new()
    $pending.Push($Root)
    while ($pending.Count -gt 0) {
        foreach ($p in [IO.Directory]::GetFileSystemEntries($pending.Pop())) {
            $target = [IO.FileInfo]::new($p).LinkTarget
            if ($null -ne $target) { $lines.Add("$p -> $target") }
            elseif ([IO.Directory]::Exists($p)) { $lines.Add("$p/"); $pending.Push($p) }
            else { $lines.Add("$p = " + [IO.File]::ReadAllText($p)) }
        }
    }
    $lines.Sort([StringComparer]::Ordinal)
    $lines -join "`n"
}

# Undoes the set-up (a file's AfterAll): no simulated host installed, the environment as it was, the
# temp paths gone.
function Restore-TestHost {
    [VirtTools.Testing.SimulatedKernel]::Uninstall()
    foreach ($name in $testHostEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $testHostEnvironment[$name]) }
    foreach ($path in $testHostPaths) {
        if ([IO.Directory]::Exists($path)) { [IO.Directory]::Delete($path, $true) }
    }
    $testHostPaths.Clear()
}
