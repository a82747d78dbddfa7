# libvirtd killed (SIGKILL, as a crash or an OOM kill) or frozen (SIGSTOP: a daemon that stops answering)
# while a cmdlet works on it (issue 21 item 3). Each cmdlet runs in a thread job of this process; the daemon
# is killed at a point it cannot have passed: held in lab.sh's qemu hook (a guest's start, an incoming
# migration) or its qemu-img wrapper (a volume being made), waiting on a frozen QEMU inside the snapshot
# job, or copying memory at 1 MiB/s. The cmdlet must end within libvirt's keepalive bound with
# LibvirtConnectionLost: never a hang, never a bare .NET exception.
# Then the daemon is started again on its kept state (lab.sh revive, as systemd's Restart= would) and the
# guest must exist with its definition and run in exactly one QEMU on one host, with nothing half-made left
# behind, or the error names what is left and the commands that remove it (and the test runs them).
# Guests: kg (a qcow2 disk, for the snapshot) booted once and shared; ks, nk, nd only defined or started;
# km (no disk: it moves) booted once for the two Move-VMGuest kills on a second daemon.
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
    function Stop-Daemon([string]$Signal = 'KILL', [string]$Daemon = 'a') {
        $p = Get-Content (Join-Path $W $Daemon/libvirtd.pid)
        kill "-$Signal" $p
        $at = [DateTime]::UtcNow
        if ($Signal -eq 'KILL') {
            $script:Kills++
            # Gone (or a zombie) before anything restarts it.
            Wait-Until { -not (Test-Path "/proc/$p") -or (Get-Content "/proc/$p/stat" -ErrorAction SilentlyContinue) -match '^\d+ \(.*\) Z' } 30 "the end of libvirtd $p"
        }
        $at
    }
    function Restart-Daemon([string]$Daemon = 'a') {
        $out = bash $Harness revive $W $Daemon 2>&1
        if ($LASTEXITCODE -ne 0) { throw "lab.sh revive failed: $out" }
    }
    # lab.sh's hold point: daemon $Daemon stops in its qemu hook at operation $Op of guest $Guest.
    function Set-Hold([string]$Daemon, [string]$Guest, [string]$Op) {
        Remove-Item (Join-Path $W $Daemon/held) -ErrorAction SilentlyContinue
        Set-Content (Join-Path $W $Daemon/hold) "$Guest $Op"
    }
    function Wait-Held([string]$Daemon) { Wait-Until { Test-Path (Join-Path $W $Daemon/held) } 180 "daemon $Daemon's hold point" }
    function Clear-Hold([string]$Daemon) {
        Remove-Item (Join-Path $W $Daemon/hold), (Join-Path $W $Daemon/held) -ErrorAction SilentlyContinue
    }
    # New-VMGuest with a disk and a seed ISO, held by the daemon as it starts the guest it defined; the
    # rollback waits $WindowSec for the daemon to come back.
    function Start-NewGuestHeld([string]$Name, [int]$WindowSec) {
        [VirtTools.Guests.GuestCreator]::ReconnectWindow = [TimeSpan]::FromSeconds($WindowSec)
        Set-Hold a $Name prepare
        $job = Start-Cmdlet "New-VMGuest $Name @A -NewDiskSizeBytes 16MB -CloudInit -Start -WarningAction SilentlyContinue" @{
            ConnectionUri = $U; Hypervisor = 'QEMU'; MemoryBytes = 96MB; ProcessorCount = 1; Kernel = $Kernel; Initrd = $Initrd; NoNetwork = $true }
        $job.Started.Wait(60000) | Should -BeTrue
        Wait-Held a
        $job
    }
    # Kills daemon a under a held New-VMGuest, lets the hold go, runs $AfterKill, starts the daemon again
    # 2 s later and returns the cmdlet's result with the time the daemon was back (Back).
    function Stop-AndRevive($Job, [scriptblock]$AfterKill = {}) {
        $null = Stop-Daemon
        Clear-Hold a
        & $AfterKill
        Start-Sleep -Seconds 2
        Restart-Daemon
        $back = [DateTime]::UtcNow
        Receive-Within $Job ($Bound.TotalSeconds * 3) | Add-Member -NotePropertyName Back -NotePropertyValue $back -PassThru
    }
    # New-VMGuest's rollback ran on a new connection in time: the error says nothing of guest $Name is left.
    function Assert-NothingLeft($Result, [string]$Name) {
        ($Result.End - $Result.Back).TotalSeconds | Should -BeLessThan $Bound.TotalSeconds
        Assert-LostError $Result 'NewVMGuestCommand'
        $Result.Errors[-1].Exception.Message | Should -BeLike "*nothing of '$Name' is left*"
        virsh -q -c $U dominfo $Name 2>$null | Should -BeNullOrEmpty
    }
    # What daemon $Daemon's status file of a running guest says of its job (async='snapshot', phase='perform3').
    function Get-JobLine([string]$Daemon, [string]$Name) {
        Get-Content (Join-Path $W "$Daemon/run/qemu/$Name.xml") -ErrorAction SilentlyContinue | Where-Object { $_ -like '*<job *' } | Select-Object -First 1
    }
    # Bytes libvirt sent QEMU $QemuPid on its monitor socket that QEMU has not read (it is stopped).
    function Get-MonitorBacklog([int]$QemuPid) {
        $line = ss -xpn 2>$null | Where-Object { $_ -like '*monitor.sock*' -and $_ -like "*pid=$QemuPid,*" } | Select-Object -First 1
        if ($line) { [int](($line -split '\s+')[2]) } else { 0 }
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
        Write-Host "daemon kills survived: $script:Kills"
        foreach ($f in Get-ChildItem $W -Filter hold -Recurse -Depth 1 -ErrorAction SilentlyContinue) { Remove-Item $f.FullName }
        $p = Get-Content (Join-Path $W a/libvirtd.pid) -ErrorAction SilentlyContinue
        if ($p) { kill -CONT $p 2>$null }
        $q = Get-Content (Join-Path $W a/run/qemu/kg.pid) -ErrorAction SilentlyContinue
        if ($q) { kill -CONT $q 2>$null }
        bash $Harness stop $W
    }
}

Describe 'libvirtd killed or frozen under a cmdlet' -Skip:$Skip {
    BeforeAll {
        $t0 = [DateTime]::UtcNow
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
        # km (for Move-VMGuest) boots now, beside kg, rather than after the other tests.
        $kmConsole = Join-Path $W 'km.console'
        $xmlFile = Join-Path $W 'km.xml'
        Set-Content $xmlFile ((bash $Harness guest-xml $W km $kmConsole 128) -join "`n")
        virsh -q -c $U define $xmlFile | Out-Null
        virsh -q -c $U start km | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'the guest km did not start' }
        $kmUuid = virsh -q -c $U domuuid km
        # Booted: the counter guest's init prints "tick N" every second.
        Wait-Until { (Test-Path $Console) -and (Select-String -Path $Console -Pattern 'tick 2 ' -Quiet) } 300 'the guest''s first ticks'
        Write-Host "lab and guests up in $(([DateTime]::UtcNow - $t0).TotalSeconds.ToString('0.0')) s"
    }

    It 'Wait-VMGuest: SIGKILL ends the wait at once with LibvirtConnectionLost; the guest runs on, once' {
        $job = Start-Cmdlet 'Wait-VMGuest kg -State ShutOff -TimeoutSec 600 -ConnectionUri $U'
        $job.Started.Wait(60000) | Should -BeTrue
        Start-Sleep -Seconds 3      # the watch is registered and waiting
        $killed = Stop-Daemon
        $r = Receive-Within $job ($Bound.TotalSeconds * 3)
        Restart-Daemon
        ($r.End - $killed).TotalSeconds | Should -BeLessThan $Bound.TotalSeconds
        Assert-LostError $r 'WaitVMGuestCommand'
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
        Restart-Daemon
        ($r.End - $killed).TotalSeconds | Should -BeLessThan $Bound.TotalSeconds
        $r.Output.Count | Should -BeGreaterThan 0 -Because 'it sampled before the kill'
        Assert-LostError $r 'MeasureVMGuestCommand'
        Assert-GuestIntact kg $Uuid
    }

    It 'Checkpoint-VMGuest: SIGKILL while the snapshot job waits on QEMU ends it with LibvirtConnectionLost; the guest runs on, no snapshot half-made' {
        $disk = Join-Path $W 'kg.qcow2'
        $q = [int](Get-Content (Join-Path $W a/run/qemu/kg.pid))
        # A stopped QEMU keeps the daemon inside the snapshot job: the kill cannot come after it.
        kill -STOP $q
        try {
            $job = Start-Cmdlet 'Checkpoint-VMGuest kg c1 -ConnectionUri $U'
            $job.Started.Wait(60000) | Should -BeTrue
            Wait-Until { (Get-JobLine a kg) -like "*async='snapshot'*" -and (Get-MonitorBacklog $q) -gt 0 } 120 'the snapshot job''s first command to QEMU'
            $killed = Stop-Daemon
        }
        finally { kill -CONT $q }
        $r = Receive-Within $job ($Bound.TotalSeconds * 3)
        Restart-Daemon
        ($r.End - $killed).TotalSeconds | Should -BeLessThan $Bound.TotalSeconds
        Assert-LostError $r 'CheckpointVMGuestCommand'
        # libvirt recovers the snapshot job it died in: it resumes the CPUs it had paused for it.
        Assert-GuestIntact kg $Uuid
        virsh -q -c $U snapshot-list --name kg | Where-Object { $_ } | Should -BeNullOrEmpty
        (qemu-img snapshot -U -l $disk) -join "`n" | Should -Not -Match '\bc1\b'
    }

    It 'Start-VMGuest: SIGKILL after QEMU started, before libvirt finished the start: LibvirtConnectionLost; the guest then runs in one QEMU' {
        $xmlFile = Join-Path $W 'ks.xml'
        Set-Content $xmlFile ((bash $Harness guest-xml $W ks (Join-Path $W ks.console) 96) -join "`n")
        virsh -q -c $U define $xmlFile | Out-Null
        $ksUuid = virsh -q -c $U domuuid ks
        Set-Hold a ks started
        try {
            $job = Start-Cmdlet 'Start-VMGuest ks -ConnectionUri $U'
            $job.Started.Wait(60000) | Should -BeTrue
            Wait-Held a
            $killed = Stop-Daemon
        }
        finally { Clear-Hold a }
        $r = Receive-Within $job ($Bound.TotalSeconds * 3)
        Restart-Daemon
        ($r.End - $killed).TotalSeconds | Should -BeLessThan $Bound.TotalSeconds
        Assert-LostError $r 'StartVMGuestCommand'
        Assert-GuestIntact ks $ksUuid
        virsh -q -c $U destroy ks | Out-Null
        virsh -q -c $U undefine ks | Out-Null
    }

    It 'New-VMGuest: SIGKILL while it starts the guest it made (disk, seed ISO, definition), daemon back 2 s later: the rollback undoes all through a new connection' {
        try {
            $job = Start-NewGuestHeld nk 90
            # All three exist at the kill (the daemon holds the guest's lock: its files tell, not virsh).
            Test-Path (Join-Path $PoolDir nk.qcow2), (Join-Path $PoolDir nk-cidata.iso), (Join-Path $W a/etc/qemu/nk.xml) | Should -Be $true, $true, $true
            $r = Stop-AndRevive $job
        }
        finally { [VirtTools.Guests.GuestCreator]::ReconnectWindow = [TimeSpan]::FromSeconds(10); Clear-Hold a }
        Assert-NothingLeft $r nk
        Test-Path (Join-Path $PoolDir nk.qcow2), (Join-Path $PoolDir nk-cidata.iso) | Should -Be $false, $false
        Get-QemuCount nk | Should -Be 0
        Assert-GuestIntact kg $Uuid
    }

    It 'New-VMGuest: SIGKILL while the daemon creates its disk, the orphaned qemu-img makes the file after the death, daemon back: the rollback removes it' {
        try {
            [VirtTools.Guests.GuestCreator]::ReconnectWindow = [TimeSpan]::FromSeconds(90)
            Set-Hold a nv.qcow2 qemu-img
            $job = Start-Cmdlet "New-VMGuest nv @A -NewDiskSizeBytes 16MB -WarningAction SilentlyContinue" @{
                ConnectionUri = $U; Hypervisor = 'QEMU'; MemoryBytes = 96MB; ProcessorCount = 1; Kernel = $Kernel; Initrd = $Initrd; NoNetwork = $true }
            $job.Started.Wait(60000) | Should -BeTrue
            Wait-Held a
            # Held inside virStorageVolCreateXML: no file, no definition yet.
            Test-Path (Join-Path $PoolDir nv.qcow2), (Join-Path $W a/etc/qemu/nv.xml) | Should -Be $false, $false
            # The daemon's qemu-img outlives it and makes the file: a volume nobody was told about.
            $r = Stop-AndRevive $job { Wait-Until { Test-Path (Join-Path $PoolDir nv.qcow2) } 60 'the orphaned qemu-img''s file' }
        }
        finally { [VirtTools.Guests.GuestCreator]::ReconnectWindow = [TimeSpan]::FromSeconds(10); Clear-Hold a }
        Assert-NothingLeft $r nv
        Test-Path (Join-Path $PoolDir nv.qcow2) | Should -BeFalse
        Assert-GuestIntact kg $Uuid
    }

    It 'New-VMGuest: daemon down past the rollback''s window: the error names all that is left and the commands that remove it' {
        try {
            $job = Start-NewGuestHeld nd 3
            $killed = Stop-Daemon
            Clear-Hold a
            $r = Receive-Within $job ($Bound.TotalSeconds * 3)
        }
        finally { [VirtTools.Guests.GuestCreator]::ReconnectWindow = [TimeSpan]::FromSeconds(10); Clear-Hold a }
        Restart-Daemon
        ($r.End - $killed).TotalSeconds | Should -BeLessThan ($Bound.TotalSeconds + 3)
        Assert-LostError $r 'NewVMGuestCommand'
        $e = $r.Errors[-1]
        $e.Exception.Message | Should -BeLike "*could not undo*the definition of guest 'nd'*the disk volume /var/lib/libvirt/images/nd.qcow2*the cloud-init seed ISO /var/lib/libvirt/images/nd-cidata.iso*"
        $action = $e.Exception.RecommendedAction
        $action | Should -BeLike "*undefine nd*vol-delete --pool default nd.qcow2*vol-delete --pool default nd-cidata.iso*"
        # What the message names is really there ...
        virsh -q -c $U domuuid nd | Should -Not -BeNullOrEmpty
        Test-Path (Join-Path $PoolDir nd.qcow2), (Join-Path $PoolDir nd-cidata.iso) | Should -Be $true, $true
        # ... and the advice, run as given, removes all of it.
        $commands = [regex]::Match($action, 'never made\): (.+)\. Then run').Groups[1].Value
        $commands | Should -Not -BeNullOrEmpty
        $ran = bash -c $commands 2>&1
        Write-Host "the advice, run: $commands`n$ran"
        virsh -q -c $U dominfo nd 2>$null | Should -BeNullOrEmpty
        Test-Path (Join-Path $PoolDir nd.qcow2), (Join-Path $PoolDir nd-cidata.iso) | Should -Be $false, $false
        Get-QemuCount nd | Should -Be 0
        Assert-GuestIntact kg $Uuid
    }

    Context 'Move-VMGuest between two daemons' {
        BeforeAll {
            $t1 = [DateTime]::UtcNow
            $out = bash $Harness add $W b
            if ($LASTEXITCODE -ne 0) { throw "lab.sh add failed ($LASTEXITCODE): $out" }
            $UB = ($out | Where-Object { $_ -like 'LAB_B_URI=*' }) -replace '^LAB_B_URI='
            Wait-Until { (Test-Path $kmConsole) -and (Select-String -Path $kmConsole -Pattern 'tick 2 ' -Quiet) } 300 'km''s first ticks'
            Write-Host "daemon b and km ready in $(([DateTime]::UtcNow - $t1).TotalSeconds.ToString('0.0')) s"
            # Exactly one host: the source runs it, the destination has no trace of it.
            function Assert-OnSourceOnly {
                Assert-GuestIntact km $kmUuid
                virsh -q -c $UB list --all --name | Where-Object { $_ } | Should -Not -Contain km
            }
        }

        It 'destination killed while it prepares the incoming guest: LibvirtConnectionLost; the guest runs on the source only' {
            Set-Hold b km prepare
            try {
                $job = Start-Cmdlet 'Move-VMGuest km $A.Dest -ConnectionUri $U -MigrationUri $A.Mig' @{ Dest = $UB; Mig = "unix://$W/mig/dk.sock" }
                $job.Started.Wait(60000) | Should -BeTrue
                Wait-Held b
                $killed = Stop-Daemon KILL b
            }
            finally { Clear-Hold b }
            $r = Receive-Within $job ($Bound.TotalSeconds * 3)
            Restart-Daemon b
            ($r.End - $killed).TotalSeconds | Should -BeLessThan $Bound.TotalSeconds
            Assert-LostError $r 'MoveVMGuestCommand'
            Assert-OnSourceOnly
        }

        It 'source killed while the memory is copied (1 MiB/s): LibvirtConnectionLost; libvirt cancels, the guest runs on the source only' {
            $job = Start-Cmdlet 'Move-VMGuest km $A.Dest -ConnectionUri $U -MigrationUri $A.Mig -Bandwidth 1' @{ Dest = $UB; Mig = "unix://$W/mig/sk.sock" }
            $job.Started.Wait(60000) | Should -BeTrue
            Wait-Until { (Get-JobLine a km) -like "*async='migration out'*phase='perform3'*" } 180 'the copy of km''s memory'
            $killed = Stop-Daemon
            $r = Receive-Within $job ($Bound.TotalSeconds * 3)
            Restart-Daemon
            ($r.End - $killed).TotalSeconds | Should -BeLessThan $Bound.TotalSeconds
            Assert-LostError $r 'MoveVMGuestCommand'
            Assert-OnSourceOnly
        }
    }
}
