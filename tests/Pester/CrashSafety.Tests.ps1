# Crash safety of the persistent changes (issue 21, item 1). Each change runs once to count its steps
# (temp file written, rename, directory sync, delete, program run), then once per step in a child
# pwsh that kills itself with SIGKILL at that step (VIRTTOOLS_CRASH_AFTER). After every crash: each
# file is its old or its new version, never a mix; a changed file has its backup; Test-VHSConfiguration
# still answers; and the same command run again completes the change, leaving no temp file behind.
BeforeDiscovery {
    $Changes = @(
        @{ What = 'Set-VHSKernelParameter'; Command = 'Set-VHSKernelParameter -Name intel_iommu -Value on -Confirm:$false -WarningAction SilentlyContinue' }
        @{ What = 'Remove-VHSKernelParameter'; Command = 'Remove-VHSKernelParameter -Name quiet -Confirm:$false -WarningAction SilentlyContinue' }
        @{ What = 'Enable-VHSIommu'; Command = 'Enable-VHSIommu -Confirm:$false -WarningAction SilentlyContinue' }
        @{ What = 'Set-VHSKernelModuleOption -Persist'; Command = 'Set-VHSKernelModuleOption -Name kvm -Option ignore_msrs=1 -Persist -Confirm:$false -WarningAction SilentlyContinue' }
        @{ What = 'Import-VHSKernelModule -Persist'; Command = 'Import-VHSKernelModule -Name nouveau -Persist -Confirm:$false -WarningAction SilentlyContinue' }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $Pwsh = Get-PwshCommand
    $ChildScript = Join-Path $PSScriptRoot Support/CrashChild.ps1
    $Module = Join-Path $PSScriptRoot ../../VirtTools.psd1

    # Every file under the root (path relative to it) with its text; lock files hold their holder's pid.
    function Get-Files([string] $Root) {
        $map = @{}
        foreach ($f in Get-ChildItem -LiteralPath $Root -Recurse -File -Force | Where-Object FullName -notlike '*/run/virttools/*') {
            $map[[IO.Path]::GetRelativePath($Root, $f.FullName)] = [IO.File]::ReadAllText($f.FullName)
        }
        $map
    }

    function Invoke-Change([string] $Root, [string] $Command, [hashtable] $Environment) {
        Invoke-Child -Command $Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $ChildScript, $Root, $Command `
            -Environment $Environment -TimeoutSeconds 300
    }
    $script:CrashPoints = 0
}

AfterAll {
    Restore-TestHost
    Write-Host "Crash points tried: $script:CrashPoints"
}

Describe 'A persistent change killed at every step' -ForEach $Changes {
    BeforeAll {
        $before = New-ConfigRoot sles15sp6
        $old = Get-Files $before
        $done = New-ConfigRoot sles15sp6
        $trace = Join-Path $done.TrimEnd('/') '../trace.txt'
        $r = Invoke-Change $done $Command @{ VIRTTOOLS_CRASH_TRACE = $trace; VIRTTOOLS_CRASH_AFTER = 100000 }
        $new = Get-Files $done
        $steps = @(Get-Content $trace -ErrorAction SilentlyContinue)
        Remove-Item $trace -ErrorAction SilentlyContinue
    }

    It 'runs to the end without a crash and changes files (<What>)' {
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $steps.Count | Should -BeGreaterThan 2
        @($new.Keys | Where-Object { $new[$_] -ne $old[$_] }).Count | Should -BeGreaterThan 0
    }

    It 'leaves old or new files, a backup, an answering Test-VHSConfiguration and a rerun that completes (<What>)' {
        for ($n = 1; $n -le $steps.Count; $n++) {
            $root = New-ConfigRoot sles15sp6
            $c = Invoke-Change $root $Command @{ VIRTTOOLS_CRASH_AFTER = $n }
            $script:CrashPoints++
            $c.ExitCode | Should -Be 137 -Because "step $n ($($steps[$n - 1])) kills the process with SIGKILL"
            $now = Get-Files $root
            foreach ($path in $new.Keys) {
                if ($path -like '*.vt-*') { continue }
                $state = $now[$path]
                ($state -ceq $old[$path] -or $state -ceq $new[$path]) | Should -BeTrue -Because "after step $n ($($steps[$n - 1])) $path must be its old or its new version"
                if ($null -ne $old[$path] -and $state -cne $old[$path] -and $path -notlike '*.virttools-backup') {
                    $now["$path.virttools-backup"] | Should -BeExactly $old[$path] -Because "$path changed at step $n, so its backup must exist"
                }
            }
            $null = Use-ConfigRoot $root @{}
            { Test-VHSConfiguration -WarningAction SilentlyContinue -ErrorAction Stop } | Should -Not -Throw
            [VirtTools.Testing.SimulatedKernel]::Uninstall()

            $again = Invoke-Change $root $Command @{}
            $again.ExitCode | Should -Be 0 -Because "the rerun after a crash at step $n must complete: $($again.Error)"
            $final = Get-Files $root
            foreach ($path in $new.Keys) { $final[$path] | Should -BeExactly $new[$path] -Because "$path after the rerun (crash at step $n)" }
            @($final.Keys | Where-Object { $_ -like '*.vt-*' }) | Should -BeNullOrEmpty -Because 'a rerun removes the temp files a crash left'
        }
    }
}
