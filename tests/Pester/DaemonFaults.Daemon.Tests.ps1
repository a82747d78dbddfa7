# libvirtd killed (SIGKILL, as a crash or an OOM kill) or frozen (SIGSTOP: a daemon that stops answering)
# while a cmdlet works on it (issue 21 item 3). Each cmdlet runs in a thread job of this process; the daemon
# is killed at a point the test sees (the cmdlet started, its volume or QEMU appeared), and the cmdlet must end
# within libvirt's keepalive bound with LibvirtConnectionLost: never a hang, never a bare .NET exception. Then
# the daemon is started again on its kept state (lab.sh revive, as systemd's Restart= would) and the guest
# must exist with its definition and run in exactly one QEMU, with nothing half-made left behind.
# ONE TCG counter guest (with a qcow2 disk, for the snapshot) is booted once and shared.
BeforeDiscovery {
    $why = $null
    if ((id -u) -ne '0') { $why = 'needs root (a system-mode libvirtd)' }
    elseif (-not (Get-Command libvirtd, virtlogd, qemu-system-x86_64, qemu-img, unshare -ErrorAction SilentlyContinue | Measure-Object).Count -eq 5) {
        $why = 'needs libvirt-daemon-system, qemu-system-x86 and qemu-utils'
    }
    elseif ($(unshare -m --propagation private true 2>$null; $LASTEXITCODE) -ne 0) {
        $why = 'unshare -m is not allowed here (no CAP_SYS_ADMIN): the daemon needs its own mount namespace'
    }
    else {
        $null = bash (Join-Path $PSScriptRoot ../qemu/prepare.sh) 2>$null
        if ($LASTEXITCODE -eq 3) { $why = 'tests/qemu/prepare.sh cannot fetch the test kernel here' }
    }
    $Skip = [bool]$why
}

BeforeAll {
    $Module = Join-Path $PSScriptRoot ../../VirtTools.psd1
    Import-Module $Module
    $W = Join-Path ([IO.Path]::GetTempPath()) ('vt-faults-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
    # What the product promises: a call on a silent daemon fails within this (keepalive interval x (count + 1)).
    $Bound = [VirtTools.Libvirt.LibvirtKeepAlive]::LostWithin
    $script:Kills = 0

    # Runs $Command (a script block text, $U and $A bound inside) in a thread job with the module; $Started is
    # set right before the command. Returns the job.
    function Start-Cmdlet([string]$Command, [hashtable]$A = @{}) {
        $started = [Threading.ManualResetEventSlim]::new($false)
        $job = Start-ThreadJob -ArgumentList $Module, $U, $A, $Command, $started -ScriptBlock {
            param($mod, $U, $A, $cmd, $started)
            Import-Module $mod
            $all = [Collections.Generic.List[object]]::new()
            $started.Set()
            # Non-terminating errors arrive in the stream (2>&1), a terminating one as an exception.
            try { & ([scriptblock]::Create($cmd)) 2>&1 | ForEach-Object { $all.Add($_) } }
            catch { $all.Add($_) }
            [pscustomobject]@{ End = [DateTime]::UtcNow
                Output = @($all | Where-Object { $_ -isnot [Management.Automation.ErrorRecord] })
                Errors = @($all | Where-Object { $_ -is [Management.Automation.ErrorRecord] }) }
        }
        $job | Add-Member -NotePropertyName Started -NotePropertyValue $started -PassThru
    }
    function Stop-Daemon([string]$Signal = 'KILL') {
        $p = Get-Content (Join-Path $W a/libvirtd.pid)
        kill "-$Signal" $p
        $at = [DateTime]::UtcNow
        if ($Signal -eq 'KILL') {
            $script:Kills++
            # Gone (or a zombie) before anything restarts it.
            Wait-Until { -not (Test-Path "/proc/$p") -or (Get-Content "/proc/$p/stat" -ErrorAction SilentlyContinue) -match '^\d+ \(.*\) Z' } 30 "the end of libvirtd $p"
        }
        $at
    }
    function Restart-Daemon {
        $out = bash $Harness revive $W a 2>&1
        if ($LASTEXITCODE -ne 0) { throw "lab.sh revive failed: $out" }
    }
    # Waits for the job (at most $Seconds) and returns its result; a job still running is a hang.
    function Receive-Within($Job, [double]$Seconds) {
        $done = $Job | Wait-Job -Timeout ([int][math]::Ceiling($Seconds))
        if (-not $done) { throw "the cmdlet did not end within $Seconds s of the daemon's death (a hang)" }
        $Job | Receive-Job
    }
    function Wait-Until([scriptblock]$Condition, [int]$Seconds, [string]$What) {
        $deadline = (Get-Date).AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ((Get-Date) -gt $deadline) { throw "$What did not happen within $Seconds s" }
            Start-Sleep -Milliseconds 20
        }
    }
    # The QEMUs that run guest $Name: exactly one means the guest runs once (not lost, not doubled).
    function Get-QemuCount([string]$Name) {
        @(Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object { $_.Name -match '^\d+$' } | Where-Object {
            $cmd = (Get-Content -Raw -LiteralPath "$($_.FullName)/cmdline" -ErrorAction SilentlyContinue) -replace "`0", ' '
            $cmd -like "*qemu-system-x86_64*-name guest=$Name,*"
        }).Count
    }
    function Assert-LostError($Result, [string]$Cmdlet) {
        $Result.Errors.Count | Should -BeGreaterThan 0 -Because 'the cmdlet must fail when its daemon dies'
        $e = $Result.Errors[-1]
        $e.FullyQualifiedErrorId | Should -Be "LibvirtConnectionLost,VirtTools.Commands.$Cmdlet"
        $e.CategoryInfo.Category | Should -Be 'ConnectionError'
        $e.ErrorDetails.RecommendedAction + $e.Exception.RecommendedAction | Should -BeLike '*journalctl -u libvirtd*'
    }
    function Assert-GuestIntact([string]$Name, [string]$Uuid) {
        (virsh -q -c $U domuuid $Name) | Should -Be $Uuid
        (virsh -q -c $U domstate $Name) | Should -Be 'running'
        Get-QemuCount $Name | Should -Be 1
    }
}

AfterAll {
    Get-Job | Remove-Job -Force
    if ($W -and (Test-Path $W)) {
        $p = Get-Content (Join-Path $W a/libvirtd.pid) -ErrorAction SilentlyContinue
        if ($p) { kill -CONT $p 2>$null }
        bash $Harness stop $W
    }
}

Describe 'libvirtd killed or frozen under a cmdlet' -Skip:$Skip {
    BeforeAll {
        $out = bash $Harness start $W a
        if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed ($LASTEXITCODE): $out" }
        $U = ($out | Where-Object { $_ -like 'LAB_A_URI=*' }) -replace '^LAB_A_URI='
        $PoolDir = ($out | Where-Object { $_ -like 'LAB_A_POOL=*' }) -replace '^LAB_A_POOL='
        $Kernel = Join-Path $W guest/vmlinuz
        $Initrd = Join-Path $W guest/initrd.cpio
        $Console = Join-Path $W 'kg.console'
        $disk = Join-Path $W 'kg.qcow2'
        qemu-img create -q -f qcow2 $disk 16M
        $xmlFile = Join-Path $W 'kg.xml'
        Set-Content $xmlFile ((bash $Harness guest-xml $W kg $Console 128 $disk) -join "`n")
        virsh -q -c $U define $xmlFile | Out-Null
        virsh -q -c $U start kg | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'the guest did not start' }
        $Uuid = virsh -q -c $U domuuid kg
        # Booted: the counter guest's init prints "tick N" every second.
        Wait-Until { (Test-Path $Console) -and (Select-String -Path $Console -Pattern 'tick 2 ' -Quiet) } 300 'the guest''s first ticks'
    }

    It 'Wait-VMGuest: SIGKILL ends the wait at once with LibvirtConnectionLost; the guest runs on, once' {
        $job = Start-Cmdlet 'Wait-VMGuest kg -State ShutOff -TimeoutSec 600 -ConnectionUri $U'
        $job.Started.Wait(60000) | Should -BeTrue
        Start-Sleep -Seconds 3      # the watch is registered and waiting
        $killed = Stop-Daemon
        $r = Receive-Within $job ($Bound.TotalSeconds * 3)
        ($r.End - $killed).TotalSeconds | Should -BeLessThan $Bound.TotalSeconds
        Assert-LostError $r 'WaitVMGuestCommand'
        Restart-Daemon
        Assert-GuestIntact kg $Uuid
    }

    It 'Wait-VMGuest: a frozen daemon (SIGSTOP) is given up after the keepalive bound, not waited on for the timeout' {
        $job = Start-Cmdlet 'Wait-VMGuest kg -State ShutOff -TimeoutSec 600 -ConnectionUri $U'
        $job.Started.Wait(60000) | Should -BeTrue
        Start-Sleep -Seconds 3
        $stopped = Stop-Daemon STOP
        try {
            $r = Receive-Within $job ($Bound.TotalSeconds * 3)
            $took = ($r.End - $stopped).TotalSeconds
        }
        finally { kill -CONT (Get-Content (Join-Path $W a/libvirtd.pid)) }
        $took | Should -BeLessThan ($Bound.TotalSeconds + 10)
        $took | Should -BeGreaterThan 4     # keepalive, not an EOF: the socket stayed open
        Assert-LostError $r 'WaitVMGuestCommand'
        Assert-GuestIntact kg $Uuid
    }

    It 'Measure-VMGuest -Continuous: SIGKILL ends the sampling with LibvirtConnectionLost' {
        $job = Start-Cmdlet 'Measure-VMGuest kg -Continuous -SampleInterval 1 -ConnectionUri $U'
        $job.Started.Wait(60000) | Should -BeTrue
        Start-Sleep -Seconds 4
        $killed = Stop-Daemon
        $r = Receive-Within $job ($Bound.TotalSeconds * 3)
        ($r.End - $killed).TotalSeconds | Should -BeLessThan $Bound.TotalSeconds
        $r.Output.Count | Should -BeGreaterThan 0 -Because 'it sampled before the kill'
        Assert-LostError $r 'MeasureVMGuestCommand'
        Restart-Daemon
        Assert-GuestIntact kg $Uuid
    }
}
