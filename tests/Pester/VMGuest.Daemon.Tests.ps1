# The guest cmdlets against a real libvirtd with the QEMU driver, started by this file in its own mount
# namespace (tests/libvirt/lab.sh, the harness the migration tests use too: own config, socket, state and
# log directories; never another libvirtd's) and stopped by pid in AfterAll. The guest is TCG (-Hypervisor QEMU): the test
# kernel of tests/qemu/prepare.sh with a busybox initramfs whose init powers off on the ACPI power button.
# Needs root, libvirt-daemon-system, qemu-system-x86, qemu-utils, busybox-static; skipped without them.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot Support/LabPrerequisites.ps1)
    $Skip = [bool](Get-LabSkipReason)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    $W = Join-Path ([IO.Path]::GetTempPath()) ('vt-libvirtd-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
    function Wait-Console([string]$Name, [string]$Pattern, [int]$Seconds) {
        $pty = ([xml](virsh -q -c $U dumpxml $Name)).domain.devices.console.source.path
        $job = Start-Job { param($p, $s) timeout $s cat $p 2>$null } -ArgumentList $pty, $Seconds
        $deadline = (Get-Date).AddSeconds($Seconds)
        try {
            while ((Get-Date) -lt $deadline) {
                Start-Sleep -Milliseconds 500
                $text = Receive-Job $job -Keep | Out-String
                if ($text -match $Pattern) { return $job }
            }
            throw "guest '$Name' never printed '$Pattern' in $Seconds s; console: $text"
        }
        catch { Remove-Job $job -Force; throw }
    }
}

AfterAll {
    if ($W -and (Test-Path $W)) { bash $Harness stop $W }
}

Describe 'Guests on a real libvirtd with the QEMU driver' -Skip:$Skip {
    BeforeAll {
        $prep = bash (Join-Path $PSScriptRoot ../qemu/prepare.sh) 2>$null
        $Kernel = ($prep | Where-Object { $_ -like 'KERNEL=*' }) -replace '^KERNEL='
        $Modules = ($prep | Where-Object { $_ -like 'MODULES=*' }) -replace '^MODULES='
        $out = bash $Harness start $W a
        if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed ($LASTEXITCODE): $out" }
        $U = ($out | Where-Object { $_ -like 'LAB_A_URI=*' }) -replace '^LAB_A_URI='
        # The pool 'default': /var/lib/libvirt/images to the daemon (in its mount namespace), $PoolDir here.
        $PoolDir = ($out | Where-Object { $_ -like 'LAB_A_POOL=*' }) -replace '^LAB_A_POOL='
        $Initrd = Join-Path $W 'guest-init.cpio'
        bash (Join-Path $PSScriptRoot ../libvirt/guest-initramfs.sh) $Modules $Initrd
        if ($LASTEXITCODE -ne 0) { throw 'guest-initramfs.sh failed' }
        $Boot = @{ ConnectionUri = $U; Hypervisor = 'QEMU'; MemoryBytes = 256MB; ProcessorCount = 1; Kernel = $Kernel; Initrd = $Initrd
                   KernelArguments = 'console=ttyS0 panic=-1' }
    }

    It 'the binding reads the real driver: type, domain capabilities, node' {
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
        try {
            $c.DriverType | Should -Be 'QEMU'
            $c.GetDomainCapabilities('/usr/bin/qemu-system-x86_64', 'x86_64', $null, 'qemu') | Should -BeLike '*<domainCapabilities>*'
            $c.GetNodeInfo().Cpus | Should -BeGreaterThan 0
        }
        finally { $c.Dispose() }
    }

    It 'New-VMGuest creates a qcow2 volume, defines and boots a TCG guest; a graceful Stop-VMGuest really stops it' {
        $g = New-VMGuest tcg1 @Boot -NewDiskSizeBytes 64MB -Start -WarningAction SilentlyContinue
        $g.State | Should -Be 'Running'
        $g.Hypervisor | Should -Be 'QEMU'
        $g.Disks | Should -Be '/var/lib/libvirt/images/tcg1.qcow2'
        $vol = Join-Path $PoolDir 'tcg1.qcow2'
        [IO.File]::ReadAllBytes($vol)[0..3] | Should -Be @(0x51, 0x46, 0x49, 0xfb)   # QFI\xfb
        $job = Wait-Console tcg1 'guest init: ready' 120
        try {
            $s = Stop-VMGuest tcg1 -ConnectionUri $U -TimeoutSec 60 -PassThru
            $s.State | Should -Be 'ShutOff'
            $s.StateReason | Should -Be 'Shutdown'
            Start-Sleep -Milliseconds 300
            (Receive-Job $job -Keep | Out-String) | Should -Match 'guest init: power button'
        }
        finally { Remove-Job $job -Force }
    }

    It 'Stop-VMGuest -TurnOff powers off at once' {
        Start-VMGuest tcg1 -ConnectionUri $U
        (Stop-VMGuest tcg1 -ConnectionUri $U -TurnOff -PassThru).StateReason | Should -Be 'Destroyed'
    }

    It 'Remove-VMGuest -RemoveStorage removes the definition and deletes the volume' {
        Remove-VMGuest tcg1 -ConnectionUri $U -RemoveStorage -Confirm:$false
        Get-VMGuest -ConnectionUri $U | Should -BeNullOrEmpty
        Test-Path (Join-Path $PoolDir 'tcg1.qcow2') | Should -BeFalse
    }

    It 'a guest that ignores the power button times out with advice to use -TurnOff' {
        # No kernel and no disk: SeaBIOS finds nothing to boot, and nothing answers ACPI.
        $null = New-VMGuest nobody -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 128MB -ProcessorCount 1 -Start -WarningAction SilentlyContinue
        try {
            $err = $null
            Stop-VMGuest nobody -ConnectionUri $U -TimeoutSec 3 -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'GuestStopTimedOut,VirtTools.Commands.StopVMGuestCommand'
            $err[0].ErrorDetails.RecommendedAction | Should -BeLike '*-TurnOff*'
            (Get-VMGuest nobody -ConnectionUri $U).State | Should -Be 'Running'
        }
        finally { Remove-VMGuest nobody -ConnectionUri $U -Force -Confirm:$false }
    }

    It 'a failure half-way (start fails) leaves no volume and no definition' {
        $err = $null
        # A file that exists (a missing one is refused before anything is made: KernelNotFound) but that
        # QEMU cannot boot, so the definition and the volume exist when the start fails.
        $bad = $Boot.Clone(); $bad.Kernel = Join-Path $W 'not-a-kernel'
        [IO.File]::WriteAllBytes($bad.Kernel, [byte[]]::new(4096))
        New-VMGuest half @bad -NewDiskSizeBytes 64MB -Start -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue |
            Should -BeNullOrEmpty
        $err[0].Exception.Message | Should -BeLike '*virDomainCreateWithFlags*'
        Get-VMGuest -ConnectionUri $U | Should -BeNullOrEmpty
        Test-Path (Join-Path $PoolDir 'half.qcow2') | Should -BeFalse
    }

    It 'Add- and Remove-VMGuestHostDevice change the persistent definition (devices of a simulated host)' {
        Add-Type -Path (Join-Path $PSScriptRoot ../VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
        $root = Join-Path ([IO.Path]::GetTempPath()) ('vt-hd-' + [guid]::NewGuid().ToString('n'))
        $saved = $env:VIRTTOOLS_ROOT
        try {
            $null = [VirtTools.Testing.SimulatedHosts]::CreateWorkstation($root, $false)
            $env:VIRTTOOLS_ROOT = $root
            $nic = [VirtTools.Testing.SimulatedHosts+Workstation]::FreeNic
            $null = New-VMGuest hd1 -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 128MB -WarningAction SilentlyContinue
            (Get-PciDevice $nic | Add-VMGuestHostDevice hd1 -ConnectionUri $U -Persistent -PassThru).HostDevices | Should -Be $nic
            ([xml](virsh -q -c $U dumpxml --inactive hd1)).domain.devices.hostdev.managed | Should -Be 'yes'
            (Remove-VMGuestHostDevice hd1 $nic -ConnectionUri $U -Persistent -PassThru).HostDevices | Should -BeNullOrEmpty
        }
        finally {
            $env:VIRTTOOLS_ROOT = $saved
            Remove-VMGuest hd1 -ConnectionUri $U -Confirm:$false -ErrorAction SilentlyContinue
            Remove-Item -Recurse -Force $root
        }
    }

    It 'Remove-VMGuestHostDevice takes a VF given as a hostdev interface out of the persistent definition' {
        # A made-up address: a managed hostdev must never detach a real device of this machine.
        $vf = '0000:7e:10.1'
        $x = "<domain type='qemu'><name>hdvf</name><memory unit='MiB'>128</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>" +
            "<interface type='hostdev' managed='yes'><mac address='52:54:00:6d:90:02'/><source><address type='pci' domain='0x0000' bus='0x7e' slot='0x10' function='0x1'/></source></interface>" +
            "</devices></domain>"
        $xf = Join-Path ([IO.Path]::GetTempPath()) ('vt-hdvf-' + [guid]::NewGuid().ToString('n') + '.xml')
        Set-Content -LiteralPath $xf -Value $x
        try {
            virsh -q -c $U define $xf | Out-Null
            (Get-VMGuest hdvf -ConnectionUri $U).HostDevices | Should -Be $vf
            (Remove-VMGuestHostDevice hdvf $vf -ConnectionUri $U -Persistent -PassThru).HostDevices | Should -BeNullOrEmpty
            (virsh -q -c $U dumpxml --inactive hdvf) -join "`n" | Should -Not -Match "type=.hostdev."
        }
        finally {
            Remove-VMGuest hdvf -ConnectionUri $U -Confirm:$false -ErrorAction SilentlyContinue
            Remove-Item -LiteralPath $xf -ErrorAction SilentlyContinue
        }
    }

    It 'a vhost-user NIC shows its socket path in Get-VMGuest and Get-VMGuestNetworkAdapter (libvirt''s own parser)' {
        $sock = '/run/vt-vhu0.sock'
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
        try {
            $c.DefineDomain("<domain type='qemu'><name>vhu</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>" +
                "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking><devices><interface type='vhostuser'>" +
                "<mac address='52:54:00:0a:0b:77'/><source type='unix' path='$sock' mode='server'/><model type='virtio'/></interface></devices></domain>", 'None').Dispose()
            (Get-VMGuest vhu -ConnectionUri $U).Interfaces | Should -Be @("vhostuser:$sock")
            $n = Get-VMGuestNetworkAdapter vhu -ConnectionUri $U
            ($n.Type, $n.Source, $n.MacAddress) | Should -Be @('vhostuser', $sock, '52:54:00:0a:0b:77')
        }
        finally { virsh -q -c $U undefine vhu 2>$null | Out-Null; $c.Dispose() }
    }

    It 'libvirt validates the XML before defining it' {
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
        try {
            $e = { $c.DefineDomain("<domain type='qemu'><name>v</name><memory>1</memory><bogus/></domain>", 'Validate') } | Should -Throw -PassThru
            $e.Exception.InnerException.Code | Should -Be ([VirtTools.Libvirt.ErrorCodes]::XmlInvalidSchema)
        }
        finally { $c.Dispose() }
    }

    Context 'Set-VMGuest and Restart-VMGuest on a running guest (day2-config)' {
        # One boot for every check: the guest loads virtio_balloon and reports its online CPUs and
        # MemTotal (tests/libvirt/guest.d/config.*); one console reader follows it from the start.
        BeforeAll {
            $null = New-VMGuest day2cfg @Boot -WarningAction SilentlyContinue
            # Room for one hot-plugged vCPU, set on the shut-off definition.
            $script:defined = Set-VMGuest day2cfg -ConnectionUri $U -MaximumProcessorCount 2 -ProcessorCount 1 -PassThru
            # QEMU drops what a pty prints while nobody reads it: start paused, attach the reader, then run.
            $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
            try { $d = $c.FindDomain('day2cfg'); $d.Start('Paused'); $d.Dispose() } finally { $c.Dispose() }
            $pty = ([xml](virsh -q -c $U dumpxml day2cfg)).domain.devices.console.source.path
            $script:console = Start-Job { param($p) timeout 900 cat $p 2>$null } -ArgumentList $pty
            $deadline = (Get-Date).AddSeconds(60)
            while ($script:console.State -ne 'Running' -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 200 }
            Start-Sleep -Seconds 1
            Resume-VMGuest day2cfg -ConnectionUri $U
            function Wait-Guest([string]$Pattern, [int]$Seconds) {
                $deadline = (Get-Date).AddSeconds($Seconds)
                while ((Get-Date) -lt $deadline) {
                    $text = Receive-Job $script:console -Keep | Out-String
                    if ($text -match $Pattern) { return $Matches[0] }
                    Start-Sleep -Milliseconds 500
                }
                throw "guest day2cfg never printed '$Pattern' in $Seconds s; console: $text"
            }
            $null = Wait-Guest 'guest init: ready' 180
        }
        AfterAll {
            if ($script:console) { Remove-Job $script:console -Force }
            Remove-VMGuest day2cfg -ConnectionUri $U -Force -RemoveStorage -Confirm:$false -ErrorAction SilentlyContinue
        }

        It 'the shut-off definition took the new vCPU maximum; Get-VMGuest shows current and maximum' {
            $defined.ProcessorCount | Should -Be 1
            $defined.MaximumProcessorCount | Should -Be 2
            $x = [xml](virsh -q -c $U dumpxml --inactive day2cfg)
            $x.domain.vcpu.current | Should -Be '1'
            $x.domain.vcpu.'#text' | Should -Be '2'
        }

        It 'a live memory change moves the balloon: virsh dommemstat shows it, and the definition too' {
            # The balloon moves after the call returns: Get-VMGuest shows where it is, as dommemstat does.
            $g = Set-VMGuest day2cfg -ConnectionUri $U -MemoryBytes 192MB -PassThru
            $g.MemoryBytes | Should -BeLessOrEqual 256MB
            $g.MaximumMemoryBytes | Should -Be 256MB
            # libvirt moves the live XML's currentMemory on QEMU's BALLOON_CHANGE event, which can come
            # after dommemstat (a direct query of QEMU) already shows the new size: wait for both.
            $deadline = (Get-Date).AddSeconds(120)
            do {
                Start-Sleep -Seconds 1
                $actual = (virsh -q -c $U dommemstat day2cfg | Where-Object { $_ -match '^actual ' }) -replace '^actual\s+'
                $shown = (Get-VMGuest day2cfg -ConnectionUri $U).MemoryBytes
            } until (($actual -eq '196608' -and $shown -eq 192MB) -or (Get-Date) -gt $deadline)
            $actual | Should -Be '196608'
            $shown | Should -Be 192MB
            ([xml](virsh -q -c $U dumpxml --inactive day2cfg)).domain.currentMemory.'#text' | Should -Be '196608'
            # The guest itself has less memory now: its latest MemTotal report drops below 192 MiB.
            $deadline = (Get-Date).AddSeconds(60)
            do {
                $kb = [regex]::Matches((Receive-Job $script:console -Keep | Out-String), 'guest report config: memtotal (\d+) kB') |
                    Select-Object -Last 1 | ForEach-Object { [long]$_.Groups[1].Value }
                if ($kb -and $kb -lt 196608) { break }
                Start-Sleep -Milliseconds 500
            } until ((Get-Date) -gt $deadline)
            $kb | Should -BeLessThan 196608
        }

        It 'a vCPU hot-added live comes online inside the guest' {
            # Issue 17 item 5 on the running guest: the count is the current vCPUs, the maximum beside it.
            $before = Get-VMGuest day2cfg -ConnectionUri $U
            ($before.ProcessorCount, $before.MaximumProcessorCount) | Should -Be @(1, 2)
            (Set-VMGuest day2cfg -ConnectionUri $U -ProcessorCount 2 -PassThru).ProcessorCount | Should -Be 2
            Wait-Guest 'guest report config: cpus online 0-1' 180 | Should -Be 'guest report config: cpus online 0-1'
            (virsh -q -c $U vcpucount day2cfg --live --active) | Should -Be '2'
            # current equal to the maximum: libvirt writes no current attribute.
            $v = ([xml](virsh -q -c $U dumpxml --inactive day2cfg)).SelectSingleNode('/domain/vcpu')
            ($v.GetAttribute('current'), $v.InnerText) | Should -Be @('', '2')
        }

        It 'a new maximum on the running guest waits for the next boot, with a warning; -Live refuses it' {
            $w = $null
            $null = Set-VMGuest day2cfg -ConnectionUri $U -MaximumMemoryBytes 320MB -WarningVariable w -WarningAction SilentlyContinue
            $w | Should -BeLike '*next boot*'
            ([xml](virsh -q -c $U dumpxml day2cfg)).domain.memory.'#text' | Should -Be '262144'
            ([xml](virsh -q -c $U dumpxml --inactive day2cfg)).domain.memory.'#text' | Should -Be '327680'
            $err = $null
            Set-VMGuest day2cfg -ConnectionUri $U -MaximumProcessorCount 1 -Live -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'MaximumNeedsRestart,VirtTools.Commands.SetVMGuestCommand'
        }

        It 'Restart-VMGuest waits for the guest to go down and come back' {
            $before = (Receive-Job $script:console -Keep | Out-String)
            $boots = ([regex]::Matches($before, 'guest init: ready')).Count
            (Restart-VMGuest day2cfg -ConnectionUri $U -TimeoutSec 120 -PassThru).State | Should -Be 'Running'
            (Receive-Job $script:console -Keep | Out-String) | Should -Match 'guest init: power button'
            $deadline = (Get-Date).AddSeconds(180)
            while ((Get-Date) -lt $deadline -and ([regex]::Matches((Receive-Job $script:console -Keep | Out-String), 'guest init: ready')).Count -le $boots) {
                Start-Sleep -Milliseconds 500
            }
            ([regex]::Matches((Receive-Job $script:console -Keep | Out-String), 'guest init: ready')).Count | Should -Be ($boots + 1)
        }

        It 'Restart-VMGuest on a guest that ignores ACPI times out with advice to use -TurnOff' {
            $null = New-VMGuest cfgdeaf -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 128MB -ProcessorCount 1 -Start -WarningAction SilentlyContinue
            try {
                $err = $null
                Restart-VMGuest cfgdeaf -ConnectionUri $U -TimeoutSec 3 -ErrorVariable err -ErrorAction SilentlyContinue
                $err[0].FullyQualifiedErrorId | Should -Be 'GuestRestartTimedOut,VirtTools.Commands.RestartVMGuestCommand'
                $err[0].ErrorDetails.RecommendedAction | Should -BeLike '*-TurnOff*'
                (Restart-VMGuest cfgdeaf -ConnectionUri $U -TurnOff -PassThru).State | Should -Be 'Running'
            }
            finally { Remove-VMGuest cfgdeaf -ConnectionUri $U -Force -Confirm:$false }
        }
    }
}
