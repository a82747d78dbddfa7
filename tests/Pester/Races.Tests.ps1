# One writer per target (issue 21, item 2), proven with real processes: two pwsh workers (Support/RaceWorker.ps1,
# the module imported once in each) share one simulated host tree and get the two commands of a round at the
# same moment, one of them a few milliseconds late in turn. Per target, 20 rounds: Enable- against
# Disable-VfioDevice on the GPU's IOMMU group, Set-SriovVfCount 2 against 4 on one PF, and two edits of the
# same kernel parameters; 10 rounds each of two Set-SriovVf on one VF, two Set-VHSKernelModuleOption -Persist
# on one module, two Import-VHSKernelModule -Persist of different modules and two Set-VHSVfioBootBinding of
# different devices. After each round the whole tree is exactly what the two commands leave when they run
# one after the other, alone, in either order (for commands that replace the same settings, what one of them
# leaves alone; for the two that add to one file, both additions), so no mix, no lost addition, and no
# driver_override, driverctl override, udev rule or modprobe.d file that state does not have; and each command
# either succeeded or failed with TargetLocked naming the other's pid and command. The last tests hold a
# group's lock in one worker: the other's attempt fails that way within the bounded wait, and while it waits
# it shows who holds the lock as progress.
BeforeDiscovery {
    $Targets = @(
        @{
            What = 'Enable- and Disable-VfioDevice on one device and IOMMU group'
            A = 'Enable-VfioDevice 0000:01:00.0 -IncludeIommuGroup -Persist -Confirm:$false'
            B = 'Disable-VfioDevice 0000:01:00.0, 0000:01:00.1 -Persist -Confirm:$false'
        }
        @{
            What = 'two Set-SriovVfCount on one PF'
            A = 'Set-SriovVfCount 0000:08:00.0 2 -Persist -Confirm:$false'
            B = 'Set-SriovVfCount 0000:08:00.0 4 -Persist -Confirm:$false'
        }
        @{
            What = 'two kernel-parameter edits of one boot loader configuration'
            A = "[pscustomobject]@{ Name = 'iommu'; Value = 'pt' }, [pscustomobject]@{ Name = 'hugepages'; Value = '16' } | Set-VHSKernelParameter -Confirm:`$false"
            B = "[pscustomobject]@{ Name = 'iommu'; Value = 'nopt' }, [pscustomobject]@{ Name = 'hugepages'; Value = '32' } | Set-VHSKernelParameter -Confirm:`$false"
        }
        @{
            What = 'two Set-SriovVf on one VF'
            Rounds = 10
            Setup = @('Set-SriovVfCount 0000:08:00.0 2 -Persist -Confirm:$false')
            A = 'Set-SriovVf 0000:08:00.0 1 -MacAddress 02:00:00:00:01:0a -VlanId 10 -Trust $true -Confirm:$false'
            B = 'Set-SriovVf 0000:08:00.0 1 -MacAddress 02:00:00:00:01:0b -VlanId 20 -Trust $false -Confirm:$false'
        }
        @{
            What = 'two Set-VHSKernelModuleOption -Persist on one module'
            Rounds = 10
            A = 'Set-VHSKernelModuleOption kvm_intel ept=0, enable_apicv=0 -Persist -Confirm:$false'
            B = 'Set-VHSKernelModuleOption kvm_intel ept=1, enable_apicv=1 -Persist -Confirm:$false'
        }
        @{
            What = 'two Import-VHSKernelModule -Persist of different modules'
            Rounds = 10
            # Each round starts without VirtTools' modules-load.d file, so both must add their module to it.
            Reset = @('/etc/modules-load.d/virttools.conf')
            A = 'Import-VHSKernelModule kvm_intel -Persist -Confirm:$false'
            B = 'Import-VHSKernelModule nvme -Persist -Confirm:$false'
        }
        @{
            What = 'two Set-VHSVfioBootBinding of different devices'
            Rounds = 10
            # Persistent overrides (driverctl's files, as Enable-VfioDevice -Persist writes them) for a NIC and an
            # NVMe still on their host drivers; each round starts without the softdep and dracut files.
            Setup = @(
                "Set-Content -LiteralPath `$env:VIRTTOOLS_ROOT/etc/driverctl.d/pci-0000:03:00.0 -Value vfio-pci",
                "Set-Content -LiteralPath `$env:VIRTTOOLS_ROOT/etc/driverctl.d/pci-0000:04:00.0 -Value vfio-pci")
            Reset = @('/etc/modprobe.d/virttools-vfio.conf', '/etc/dracut.conf.d/90-virttools-vfio.conf')
            A = 'Set-VHSVfioBootBinding 0000:03:00.0 -Confirm:$false'
            B = 'Set-VHSVfioBootBinding 0000:04:00.0 -Confirm:$false'
        }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $Rounds = 20
    $script:RoundsRun = 0
    $script:Failures = [System.Collections.Generic.List[string]]::new()

    # The SR-IOV workstation with vfio-pci loaded (a driver one worker registered later would stay unknown to
    # the other), plus SLES 15 SP6's boot configuration and driverctl's udev rule.
    $Root = New-TestTempPath 'vt-races'
    $null = [VirtTools.Testing.SimulatedHosts]::CreateSriovWorkstation($Root, $true)
    $fixture = Join-Path $PSScriptRoot ../fixtures/hostconfig/sles15sp6
    foreach ($f in Get-ChildItem -LiteralPath $fixture -Recurse -File) {
        $rel = [IO.Path]::GetRelativePath($fixture, $f.FullName)
        $dest = Join-Path $Root $rel
        if (Test-Path -LiteralPath $dest) { continue }
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $dest)
        Copy-Item -LiteralPath $f.FullName -Destination $dest
    }
    $rule = Join-Path $Root usr/lib/udev/rules.d/89-driverctl.rules
    $null = New-Item -ItemType Directory -Force -Path (Split-Path $rule)
    Set-Content -LiteralPath $rule -Value 'ACTION=="add", TEST=="/etc/driverctl.d/$env{SUBSYSTEM}-$kernel", RUN+="/usr/sbin/driverctl --no-save load-override $kernel"'

    # The whole tree as lines (path = content, path -> link target), without the lock files: they hold the
    # last holder's pid, runtime state on tmpfs, not the host's configuration.
    function Get-HostState {
        $lines = [System.Collections.Generic.List[string]]::new()
        $pending = [System.Collections.Generic.Stack[string]]::new()
        $pending.Push($Root)
        while ($pending.Count -gt 0) {
            foreach ($p in [IO.Directory]::GetFileSystemEntries($pending.Pop())) {
                $rel = $p.Substring($Root.Length)
                if ($rel -like '/run/virttools/*' -or $rel -eq '/.simulated-kernel.lock') { continue }
                $target = [IO.FileInfo]::new($p).LinkTarget
                if ($null -ne $target) { $lines.Add("$rel -> $target") }
                elseif ([IO.Directory]::Exists($p)) { $lines.Add("$rel/"); $pending.Push($p) }
                else { $lines.Add("$rel = " + [IO.File]::ReadAllText($p).Replace("`n", '\n')) }
            }
        }
        $lines.Sort([StringComparer]::Ordinal)
        , $lines.ToArray()
    }

    # What differs between two states, one line per path ("- old", "+ new").
    function Get-StateDiff([string[]] $Expected, [string[]] $Actual) {
        @(Compare-Object $Expected $Actual -CaseSensitive | ForEach-Object {
            ($_.SideIndicator -eq '<=' ? '- ' : '+ ') + $_.InputObject
        })
    }

    function Start-Worker {
        $pwsh = Get-PwshCommand
        $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot Support/RaceWorker.ps1), $Root)) {
            $psi.ArgumentList.Add($a)
        }
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $psi.WorkingDirectory = [IO.Path]::GetTempPath()
        $p = [Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ Process = $p; Stderr = $p.StandardError.ReadToEndAsync(); Ready = $p.StandardOutput.ReadLineAsync() }
    }

    function Wait-Line($Worker, $Task, [int] $Seconds) {
        if (-not $Task.Wait($Seconds * 1000)) {
            throw "worker $($Worker.Process.Id) gave no answer in $Seconds s"
        }
        if ($null -eq $Task.Result) {
            $Worker.Process.WaitForExit(5000)
            throw "worker $($Worker.Process.Id) ended: $($Worker.Stderr.Result)"
        }
        $Task.Result
    }

    # Sends one command to each worker at once (the one named late sleeps Delay ms first); returns both answers.
    function Invoke-Race([string] $CommandA, [string] $CommandB, [int] $DelayA = 0, [int] $DelayB = 0) {
        $W1.Process.StandardInput.WriteLine((ConvertTo-Json @{ Command = $CommandA; Delay = $DelayA } -Compress))
        $W2.Process.StandardInput.WriteLine((ConvertTo-Json @{ Command = $CommandB; Delay = $DelayB } -Compress))
        $W1.Process.StandardInput.Flush()
        $W2.Process.StandardInput.Flush()
        $t1 = $W1.Process.StandardOutput.ReadLineAsync()
        $t2 = $W2.Process.StandardOutput.ReadLineAsync()
        @((Wait-Line $W1 $t1 180 | ConvertFrom-Json), (Wait-Line $W2 $t2 180 | ConvertFrom-Json))
    }

    # Runs one command alone in a worker; returns its answer.
    function Invoke-Alone($Worker, [string] $Command) {
        $Worker.Process.StandardInput.WriteLine((ConvertTo-Json @{ Command = $Command; Delay = 0 } -Compress))
        $Worker.Process.StandardInput.Flush()
        Wait-Line $Worker $Worker.Process.StandardOutput.ReadLineAsync() 180 | ConvertFrom-Json
    }

    # Both workers start at once, each importing the module once for the whole file.
    $W1 = Start-Worker
    $W2 = Start-Worker
    foreach ($w in $W1, $W2) {
        $line = Wait-Line $w $w.Ready 120
        if ($line -ne 'ready') { throw "worker $($w.Process.Id) said '$line' instead of ready: $($w.Stderr.Result)" }
    }
    $CommandLine = 'RaceWorker.ps1'
}

AfterAll {
    foreach ($w in $W1, $W2) {
        if ($null -eq $w) { continue }
        try { $w.Process.StandardInput.Close() } catch { }
        if (-not $w.Process.WaitForExit(20000)) { $w.Process.Kill($true) }
        $w.Process.Dispose()
    }
    Restore-TestHost
    Write-Host "Races run: $script:RoundsRun rounds of two processes; failures: $($script:Failures.Count)"
    foreach ($f in $script:Failures) { Write-Host $f }
}

Describe 'Two processes racing: <What>' -ForEach $Targets {
    BeforeAll {
        # Removes the files a round of a target that adds to them starts without.
        function Reset-Target {
            foreach ($f in @($Reset)) { if ($f) { Remove-Item -LiteralPath (Join-Path $Root $f) -Force -ErrorAction Ignore } }
        }
        $alone = @()
        foreach ($c in @($Setup)) { if ($c) { $alone += Invoke-Alone $W1 $c } }
        # The two expected states: B then A, and A then B, each alone. Without a reset, A, B, A and then B, so the
        # states are the ones a round starts from (a backup made by the first change, /dev/vfio/vfio once vfio-pci
        # bound a device); for commands that replace the same settings these are what A and B leave alone.
        if ($Reset) {
            Reset-Target
            foreach ($c in $B, $A) { $alone += Invoke-Alone $W1 $c }
            $StateA = Get-HostState
            Reset-Target
            foreach ($c in $A, $B) { $alone += Invoke-Alone $W2 $c }
            $StateB = Get-HostState
        }
        else {
            foreach ($c in $A, $B, $A) { $alone += Invoke-Alone $W1 $c }
            $StateA = Get-HostState
            $alone += Invoke-Alone $W2 $B
            $StateB = Get-HostState
        }
        $SetUp = $alone
    }

    It 'A and B alone succeed and leave different states' {
        foreach ($r in $SetUp) { $r.Errors | Should -BeNullOrEmpty -Because ($r.Errors | ForEach-Object { "$($_.Id): $($_.Message)" }) -join '; ' }
        (Get-StateDiff $StateA $StateB).Count | Should -BeGreaterThan 0
    }

    It 'ends every round in exactly one of the two states, the loser waiting or refused with TargetLocked' {
        $problems = [System.Collections.Generic.List[string]]::new()
        $winsA = 0; $winsB = 0
        for ($round = 1; $round -le $Rounds; $round++) {
            Reset-Target
            # Who starts late alternates, by 0, 5, 10 or 15 ms, so each side both leads and follows.
            $late = 5 * ($round % 4)
            $answers = if ($round % 2) { Invoke-Race $A $B $late 0 } else { Invoke-Race $A $B 0 $late }
            $script:RoundsRun++
            $state = Get-HostState
            $diffA = Get-StateDiff $StateA $state
            $diffB = Get-StateDiff $StateB $state
            if ($diffA.Count -eq 0) { $winsA++ }
            elseif ($diffB.Count -eq 0) { $winsB++ }
            else {
                $closer = $diffA.Count -le $diffB.Count ? @('A', $diffA) : @('B', $diffB)
                $problems.Add("$What, round ${round}: neither state; against $($closer[0]) these differ:`n  " + ($closer[1] -join "`n  "))
            }
            for ($i = 0; $i -lt 2; $i++) {
                $mine = $answers[$i]; $other = $answers[1 - $i]
                foreach ($e in @($mine.Errors)) {
                    $named = $e.Message -match "pid $($other.Pid) \(" -and $e.Message -match [regex]::Escape($CommandLine)
                    if ($e.Id -notlike 'TargetLocked,*' -or -not $named) {
                        $problems.Add("$What, round ${round}: $(('A', 'B')[$i]) (pid $($mine.Pid)) failed with $($e.Id): $($e.Message)")
                    }
                }
            }
            # A round that left a mix is repaired from its closer state's command, so later rounds still count.
            if ($diffA.Count -ne 0 -and $diffB.Count -ne 0 -and -not $Reset) { $null = Invoke-Alone $W1 $A }
        }
        foreach ($p in $problems) { $script:Failures.Add($p) }
        Write-Host "$What`: $Rounds rounds, A's state $winsA times, B's $winsB times."
        $problems | Should -BeNullOrEmpty
    }
}

Describe 'A held lock' {
    It 'makes the other process fail with TargetLocked naming the holder''s pid and command within the bounded wait' {
        $nic = [VirtTools.Testing.SimulatedHosts+Workstation]::FreeNic
        $before = Get-HostState
        # Worker 1 takes the group's lock the way a command does (the host-root seam's flock) and keeps it.
        $hold = "`$global:held = [VirtTools.Host.DiskFileSystem]::new(`$env:VIRTTOOLS_ROOT).Lock('/run/virttools/iommu-group-4.lock', [TimeSpan]::FromSeconds(5))"
        $taken = Invoke-Alone $W1 $hold
        $taken.Errors | Should -BeNullOrEmpty
        try {
            $r = Invoke-Alone $W2 "Enable-VfioDevice $nic -Confirm:`$false"
        }
        finally { $null = Invoke-Alone $W1 '$global:held.Dispose()' }
        $r.Errors | Should -HaveCount 1
        $r.Errors[0].Id | Should -Be 'TargetLocked,VirtTools.Commands.EnableVfioDeviceCommand'
        $r.Errors[0].Message | Should -Match "pid $($taken.Pid) \(.*$([regex]::Escape($CommandLine))"
        # VfioOptions.LockTimeout: 30 s of waiting, then the refusal, not a hang.
        $r.Seconds | Should -BeGreaterOrEqual 29
        $r.Seconds | Should -BeLessThan 60
        Get-StateDiff $before (Get-HostState) | Should -BeNullOrEmpty -Because 'the refused command changes nothing'
        # Released, the same command goes through.
        (Invoke-Alone $W2 "Enable-VfioDevice $nic -Confirm:`$false").Errors | Should -BeNullOrEmpty
        [IO.FileInfo]::new("$Root/sys/bus/pci/devices/$nic/driver").LinkTarget | Should -BeLike '*/vfio-pci'
    }

    It 'shows the waiting command''s user the target, the holder''s pid and command and the seconds waited, as progress' {
        $nic = [VirtTools.Testing.SimulatedHosts+Workstation]::FreeNic
        $hold = "`$global:held = [VirtTools.Host.DiskFileSystem]::new(`$env:VIRTTOOLS_ROOT).Lock('/run/virttools/iommu-group-4.lock', [TimeSpan]::FromSeconds(5))"
        # Worker 2 runs the command in a runspace of its own (the module imported there too; its simulated host
        # is the process's) with progress on, and prints each progress record it collected; worker 1 lets the
        # lock go 3.5 s later. (A pipeline in the worker's own runspace would not collect progress records.)
        $command = 'Disable-VfioDevice ' + $nic + ' -Confirm:$false -WarningAction SilentlyContinue'
        $prepared = Invoke-Alone $W2 ("`$global:ps = [powershell]::Create(); `$null = `$ps.AddScript(`"Import-Module '`$((Get-Module VirtTools).Path)'`").Invoke(); " +
            "`$ps.Commands.Clear(); `$ps.Streams.ClearStreams()")
        $prepared.Errors | Should -BeNullOrEmpty
        $capture = "`$null = `$ps.AddScript('`$ProgressPreference = ''Continue''; $command').Invoke(); " +
            "`$ps.Streams.Error | ForEach-Object { Write-Error -ErrorRecord `$_ }; " +
            "`$ps.Streams.Progress | ForEach-Object { ConvertTo-Json -Compress @{ Id = `$_.ActivityId; Activity = `$_.Activity; Status = `$_.StatusDescription; Percent = `$_.PercentComplete; Type = `"`$(`$_.RecordType)`" } }"
        $taken = Invoke-Alone $W1 $hold
        $taken.Errors | Should -BeNullOrEmpty
        try {
            $W2.Process.StandardInput.WriteLine((ConvertTo-Json @{ Command = $capture; Delay = 0 } -Compress))
            $W2.Process.StandardInput.Flush()
            $answer = $W2.Process.StandardOutput.ReadLineAsync()
            Start-Sleep -Milliseconds 3500
        }
        finally { $null = Invoke-Alone $W1 '$global:held.Dispose()' }
        $r = Wait-Line $W2 $answer 120 | ConvertFrom-Json
        $null = Invoke-Alone $W2 '$ps.Dispose()'
        $r.Errors | Should -BeNullOrEmpty
        $r.Seconds | Should -BeGreaterOrEqual 3
        $waits = @($r.Output | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object Activity -Like 'Waiting for another command*')
        $waits.Count | Should -BeGreaterOrEqual 4 -Because 'one record at once, one a second while waiting, and the completed one'
        $waits | ForEach-Object { $_.Activity | Should -Be "Waiting for another command changing this IOMMU group ($nic)" }
        $processing = @($waits | Where-Object Type -EQ 'Processing')
        foreach ($w in $processing) {
            $w.Status | Should -Match "^held by pid $($taken.Pid) \(.*$([regex]::Escape($CommandLine)).*\); waited \d+ s of 30 s$"
        }
        $seconds = @($processing | ForEach-Object { [int]($_.Status -replace '^.*; waited (\d+) s of 30 s$', '$1') })
        $seconds[0] | Should -Be 0
        $seconds[-1] | Should -BeGreaterOrEqual 2
        ($seconds | Sort-Object) -join ',' | Should -Be ($seconds -join ',') -Because 'the seconds waited only grow'
        $waits[-1].Type | Should -Be 'Completed'
        # The wait ended in the command running: the NIC is back on its host driver.
        [IO.FileInfo]::new("$Root/sys/bus/pci/devices/$nic/driver").LinkTarget | Should -BeLike '*/e1000e'
    }
}
