# Measure-VMGuest, Wait-VMGuest and Get-VHSResource against a real libvirtd with the QEMU driver
# (tests/libvirt/lab.sh: its own mount namespace, socket and state; stopped by pid in AfterAll). ONE TCG
# counter guest (lab.sh guest-xml, with a virtio balloon, a qcow2 disk and a tap NIC added) is booted once
# and shared by every test. Needs root, libvirt-daemon-system, qemu-system-x86, qemu-utils; skipped without them.
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
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    $W = Join-Path ([IO.Path]::GetTempPath()) ('vt-monitor-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
    # cpu.time of the guest as virsh domstats reports it (nanoseconds).
    function Get-VirshCpuNs([string]$Name) {
        [long]((virsh -q -c $U domstats --cpu-total $Name | Select-String 'cpu\.time=(\d+)').Matches[0].Groups[1].Value)
    }
    # Runs a virsh command in a background job after a delay; the job returns when virsh started and ended.
    function Start-VirshLater([string[]]$VirshArgs, [int]$DelayMs) {
        Start-ThreadJob -ArgumentList $U, $VirshArgs, $DelayMs -ScriptBlock {
            param($uri, $a, $ms)
            Start-Sleep -Milliseconds $ms
            $t0 = [DateTime]::UtcNow
            $out = virsh -q -c $uri @a 2>&1
            [pscustomobject]@{ Start = $t0; End = [DateTime]::UtcNow; Exit = $LASTEXITCODE; Output = "$out" }
        }
    }
}

AfterAll {
    Get-Job | Remove-Job -Force
    if ($W -and (Test-Path $W)) { bash $Harness stop $W }
}

Describe 'Monitoring on a real libvirtd with the QEMU driver' -Skip:$Skip {
    BeforeAll {
        $out = bash $Harness start $W a
        if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed ($LASTEXITCODE): $out" }
        $U = ($out | Where-Object { $_ -like 'LAB_A_URI=*' }) -replace '^LAB_A_URI='
        $Console = Join-Path $W 'mon1.console'
        $disk = Join-Path $W 'mon1.qcow2'
        qemu-img create -q -f qcow2 $disk 32M
        $xml = (bash $Harness guest-xml $W mon1 $Console 128 $disk) -join "`n"
        $xml = $xml.Replace("<memballoon model='none'/>",
            "<memballoon model='virtio'><stats period='1'/></memballoon><interface type='ethernet'><model type='virtio'/></interface>")
        $xmlFile = Join-Path $W 'mon1.xml'
        Set-Content $xmlFile $xml
        virsh -q -c $U define $xmlFile | Out-Null
        virsh -q -c $U start mon1 | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'the guest did not start' }
        # The counter guest prints "tick N" every second once its init runs: booted, and from then on mostly idle.
        $deadline = (Get-Date).AddSeconds(180)
        while (-not ((Test-Path $Console) -and (Select-String -Path $Console -Pattern 'tick 3 ' -Quiet))) {
            if ((Get-Date) -gt $deadline) { throw "the guest printed no tick in 180 s: $(Get-Content $Console -Raw -ErrorAction SilentlyContinue)" }
            Start-Sleep -Milliseconds 500
        }
    }

    It 'Measure-VMGuest: CPU time grows while the guest runs and agrees with virsh domstats within 5%' {
        $m = @(Measure-VMGuest mon1 -ConnectionUri $U -MaxSamples 2)
        $virsh = Get-VirshCpuNs mon1
        $m.Count | Should -Be 2
        $m[1].CpuTime | Should -BeGreaterThan $m[0].CpuTime
        $m[1].CpuPercent | Should -BeGreaterThan 0
        $ours = $m[1].CpuTime.Ticks * 100
        $ours | Should -BeLessOrEqual $virsh
        [math]::Abs($virsh - $ours) / $virsh | Should -BeLessThan 0.05
    }

    It 'Measure-VMGuest: vCPUs, balloon, RSS, the disk and the NIC as virsh domstats has them' {
        $m = Measure-VMGuest -ConnectionUri $U     # every running guest: one bulk call per sample
        $raw = virsh -q -c $U domstats --raw --vcpu --balloon --block --interface mon1
        function Field([string]$Key) { [long](($raw | Select-String ('^\s*' + [regex]::Escape($Key) + '=(.+)$')).Matches[0].Groups[1].Value) }
        $m.Name | Should -Be 'mon1'
        $m.ProcessorCount | Should -Be (Field 'vcpu.current')
        $m.MemoryBytes | Should -Be ((Field 'balloon.current') * 1KB)
        $m.MemoryRssBytes | Should -BeGreaterThan 0
        $m.Disks.Name | Should -Be 'vda'
        $m.Disks[0].Path | Should -Be (Join-Path $W 'mon1.qcow2')
        $m.Disks[0].ReadBytes | Should -BeLessOrEqual (Field 'block.0.rd.bytes')
        $m.NetworkAdapters.Name | Should -Be ($raw | Select-String 'net\.0\.name=(.+)$').Matches[0].Groups[1].Value
        $m.DiskReadBytesPerSecond | Should -Not -BeNullOrEmpty
        $m.NetworkReceivedBytesPerSecond | Should -Not -BeNullOrEmpty
        ($m | Out-String -Width 80) -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'Get-VHSResource: the node as virsh nodeinfo has it, and the guest''s vCPU and memory committed' {
        $r = Get-VHSResource -ConnectionUri $U
        $info = virsh -q -c $U nodeinfo
        $r.ProcessorCount | Should -Be ([int]($info | Select-String '^CPU\(s\):\s+(\d+)').Matches[0].Groups[1].Value)
        $r.RunningGuestCount | Should -Be 1
        $r.CommittedProcessorCount | Should -Be 1
        $r.CommittedMemoryBytes | Should -Be 128MB
        $r.FreeMemoryBytes | Should -BeGreaterThan 0
        $r.FreeMemoryBytes | Should -BeLessThan $r.MemoryBytes
        # A local URI: huge pages from this host's sysfs.
        @($r.HugePages).Count | Should -Be @(Get-ChildItem /sys/kernel/mm/hugepages -Directory -ErrorAction SilentlyContinue).Count
        if ($r.HugePages) { $r.HugePages.Source | Select-Object -Unique | Should -Be 'sysfs' }
    }

    It 'Wait-VMGuest returns within 1 s of virsh <Verb>, with the guest <State>' -ForEach @(
        @{ Verb = 'suspend'; State = 'Paused' }, @{ Verb = 'resume'; State = 'Running' }
    ) {
        $job = Start-VirshLater @($Verb, 'mon1') 1500
        $g = Wait-VMGuest mon1 -State $State -ConnectionUri $U -TimeoutSec 60
        $returned = [DateTime]::UtcNow
        $v = $job | Wait-Job -Timeout 60 | Receive-Job
        $v.Exit | Should -Be 0 -Because $v.Output
        $g.State | Should -Be $State
        $returned | Should -BeGreaterThan $v.Start
        ($returned - $v.End).TotalSeconds | Should -BeLessThan 1
    }

    It 'Wait-VMGuest times out with GuestWaitTimedOut naming the state reached' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Wait-VMGuest mon1 -State ShutOff -ConnectionUri $U -TimeoutSec 2 -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $sw.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 6
        $e[0].FullyQualifiedErrorId | Should -Be 'GuestWaitTimedOut,VirtTools.Commands.WaitVMGuestCommand'
        $e[0].Exception.Message | Should -BeLike '*did not reach ShutOff within 2 s: it is Running*'
    }

    It 'Wait-VMGuest returns within 1 s of virsh destroy, with the guest ShutOff' {
        $job = Start-VirshLater @('destroy', 'mon1') 1500
        $g = Wait-VMGuest mon1 -State ShutOff -ConnectionUri $U -TimeoutSec 60
        $returned = [DateTime]::UtcNow
        $v = $job | Wait-Job -Timeout 60 | Receive-Job
        $v.Exit | Should -Be 0 -Because $v.Output
        $g.State | Should -Be 'ShutOff'
        ($returned - $v.End).TotalSeconds | Should -BeLessThan 1
    }
}
