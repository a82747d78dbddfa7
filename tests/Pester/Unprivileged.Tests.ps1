# A real ordinary user (nobody, through setpriv: no groups, no capabilities) runs `virttools` on this
# machine's live root and on a root-owned copy of a recorded SLES root (issue 19 item 4). On the live root
# every host-changing cmdlet stops with RequiresRoot (the kernel would refuse it anyway, so nothing can be
# changed by this test) and Get-PciDevice reads with its one config-space warning; on the copy, which is not
# the live root, the files' own permissions decide. Needs root to drop to nobody: skipped otherwise.
BeforeDiscovery {
    $canDrop = (& id -u) -eq '0' -and [bool](Get-Command setpriv -ErrorAction SilentlyContinue)
}

BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).Path
    $shell = Join-Path $repo src/VirtTools.Shell/bin/Debug/net10.0/virttools
    $work = New-TestFolder 'vt-unprivileged'
    & chmod 755 $work

    # Runs the script as nobody in virttools; returns its exit code and its last output line as JSON.
    function Invoke-AsNobody([string] $Script, [hashtable] $Environment = @{}) {
        $file = Join-Path $work ([guid]::NewGuid().ToString('N') + '.ps1')
        Set-Content -LiteralPath $file -Value $Script
        $envArgs = @('env', 'HOME=/tmp', 'DOTNET_CLI_HOME=/tmp', 'DOTNET_NOLOGO=1') + @($Environment.Keys | ForEach-Object { "$_=$($Environment[$_])" })
        $r = Invoke-Child -Command @('setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups') -ArgumentList (@($envArgs) + @($shell, '-NoProfile', '-NonInteractive', '-File', $file)) -Environment @{ VIRTTOOLS_ROOT = $null } -TimeoutSeconds 240
        $last = ($r.Output.Trim() -split "`n")[-1]
        [pscustomobject]@{ ExitCode = $r.ExitCode; Result = ($last | ConvertFrom-Json); Error = $r.Error }
    }
}

AfterAll {
    if ($work -and (Test-Path $work)) { Remove-Item -Recurse -Force $work }
    Restore-TestHost
}

Describe 'virttools as nobody' -Skip:(-not $canDrop) {
    It 'on the live root: Get-PciDevice reads and warns once; every host-changing cmdlet stops with RequiresRoot' {
        $r = Invoke-AsNobody @'
$out = [ordered]@{}
$d = @(Get-PciDevice -WarningVariable warn 3>$null)
$out.Devices = $d.Count
$out.WithVendor = @($d | Where-Object VendorId).Count
$out.Warnings = @($warn | ForEach-Object { "$_" })
$out.Uid = (Get-Content /proc/self/status | Where-Object { $_ -like 'Uid:*' })
$a = $d[-1].Address
$calls = [ordered]@{
    'Enable-VfioDevice' = { Enable-VfioDevice $a -Confirm:$false }
    'Disable-VfioDevice' = { Disable-VfioDevice $a -Confirm:$false }
    'Set-SriovVfCount' = { Set-SriovVfCount $a 0 -Confirm:$false }
    'Set-SriovVf' = { Set-SriovVf -PhysicalFunction $a -Index 0 -Trust $false -Confirm:$false }
    'Set-VHSKernelParameter' = { Set-VHSKernelParameter virttools_test on -Confirm:$false }
    'Remove-VHSKernelParameter' = { Remove-VHSKernelParameter virttools_test -Confirm:$false }
    'Enable-VHSIommu' = { Enable-VHSIommu -Confirm:$false }
    'Set-VHSVfioBootBinding' = { Set-VHSVfioBootBinding -Confirm:$false }
    'Set-VHSKernelModuleOption' = { Set-VHSKernelModuleOption virttools_test x=1 -Persist -Confirm:$false }
    'Import-VHSKernelModule' = { Import-VHSKernelModule virttools_test -Confirm:$false }
}
$out.Errors = [ordered]@{}
foreach ($k in $calls.Keys) {
    $e = @(try { & $calls[$k] 2>&1 3>$null | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } } catch { $_ })
    $out.Errors[$k] = @($e | ForEach-Object { $_.FullyQualifiedErrorId + '|' + $_.CategoryInfo.Category })
}
$out | ConvertTo-Json -Depth 4 -Compress
'@
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Result.Uid | Should -Match '^Uid:\s+65534\s+65534'
        $r.Result.Devices | Should -BeGreaterThan 0
        $r.Result.WithVendor | Should -Be $r.Result.Devices
        @($r.Result.Warnings | Where-Object { $_ -like 'Running as uid 65534*first 64 bytes*' }).Count | Should -Be 1
        $names = @($r.Result.Errors.PSObject.Properties.Name)
        $names.Count | Should -Be 10
        foreach ($n in $names) {
            @($r.Result.Errors.$n) | Should -Be @("RequiresRoot,VirtTools.Commands.$($n -replace '-', '')Command|PermissionDenied") -Because $n
        }
    }

    It 'on a root-owned copy of a recorded root: reads work, and the files permissions refuse a change' {
        $root = Join-Path $work sles
        $null = [VirtTools.Testing.HostConfigRoots]::Copy((Join-Path $repo tests/fixtures/hostconfig/sles15sp6), $root)
        & chmod -R go-w,go+rX $root
        $before = @(Get-ChildItem -Recurse -File $root | ForEach-Object FullName)
        $r = Invoke-AsNobody @'
$out = [ordered]@{}
$out.Parameters = @(Get-VHSKernelParameter -WarningAction SilentlyContinue).Count
$e = @(try { Set-VHSKernelModuleOption kvm_intel enable_apicv=0 -Persist -Confirm:$false 2>&1 3>$null | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } } catch { $_ })
$out.Errors = @($e | ForEach-Object { $_.FullyQualifiedErrorId + '|' + $_.CategoryInfo.Category })
$out | ConvertTo-Json -Depth 4 -Compress
'@ -Environment @{ VIRTTOOLS_ROOT = $root }
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Result.Parameters | Should -BeGreaterThan 0
        @($r.Result.Errors).Count | Should -Be 1
        $r.Result.Errors[0] | Should -Not -BeLike 'RequiresRoot*'
        $r.Result.Errors[0] | Should -BeLike '*|PermissionDenied'
        @(Get-ChildItem -Recurse -File $root | ForEach-Object FullName) | Should -Be $before
        Test-Path (Join-Path $root etc/modprobe.d/virttools.conf) | Should -BeFalse
    }
}
