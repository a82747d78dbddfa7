# Guest NICs on a real libvirtd with the QEMU driver (tests/libvirt/lab.sh, its own mount namespace,
# stopped by pid in AfterAll): a libvirt NAT network with DHCP, a TCG guest booted ONCE whose init
# reports its NICs' MAC and operstate (tests/libvirt/guest.d/networking.*), and on it: a NIC hot-plugged
# and seen by the guest, its link set down and up as the guest sees it, the guest's DHCP lease shown by
# Get-VMGuestNetworkAdapter with source Lease and awaited by Wait-VMGuest -For IPAddress, the NIC unplugged. Needs root, the lab's packages and
# dnsmasq (dnsmasq-base); skipped without them.
BeforeDiscovery {
    $why = $null
    if ((id -u) -ne '0') { $why = 'needs root (a system-mode libvirtd)' }
    elseif (-not (Get-Command libvirtd, virtlogd, qemu-system-x86_64, qemu-img, unshare, dnsmasq -ErrorAction SilentlyContinue | Measure-Object).Count -eq 6) {
        $why = 'needs libvirt-daemon-system, qemu-system-x86, qemu-utils and dnsmasq-base'
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
    $W = Join-Path ([IO.Path]::GetTempPath()) ('vt-netlab-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
}

AfterAll {
    if ($script:console) { Remove-Job $script:console -Force -ErrorAction SilentlyContinue }
    if ($W -and (Test-Path $W)) {
        # The network's bridge and dnsmasq live in the host's network namespace: stop it before the daemon.
        if ($U) { virsh -q -c $U net-destroy $Net 2>$null | Out-Null }
        bash $Harness stop $W
    }
}

Describe 'Guest NICs on a real libvirtd with the QEMU driver' -Skip:$Skip {
    BeforeAll {
        $prep = bash (Join-Path $PSScriptRoot ../qemu/prepare.sh) 2>$null
        $Kernel = ($prep | Where-Object { $_ -like 'KERNEL=*' }) -replace '^KERNEL='
        $Modules = ($prep | Where-Object { $_ -like 'MODULES=*' }) -replace '^MODULES='
        $out = bash $Harness start $W a
        if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed ($LASTEXITCODE): $out" }
        $script:U = ($out | Where-Object { $_ -like 'LAB_A_URI=*' }) -replace '^LAB_A_URI='
        $Initrd = Join-Path $W 'guest-init.cpio'
        bash (Join-Path $PSScriptRoot ../libvirt/guest-initramfs.sh) $Modules $Initrd
        if ($LASTEXITCODE -ne 0) { throw 'guest-initramfs.sh failed' }

        # A NAT network of its own: a bridge name and subnet no other run uses at the same time.
        $tag = '{0:x6}' -f (Get-Random -Maximum 0xffffff)
        $script:Net = "vtnet$tag"
        $octet = 100 + (Get-Random -Maximum 150)
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
        try {
            $n = $c.DefineNetwork("<network><name>$Net</name><forward mode='nat'/><bridge name='vtbr$tag' stp='off'/>" +
                "<ip address='192.168.$octet.1' netmask='255.255.255.0'><dhcp><range start='192.168.$octet.10' end='192.168.$octet.99'/></dhcp></ip></network>")
            $n.Start(); $n.Dispose()
        }
        finally { $c.Dispose() }
        $script:Subnet = "192.168.$octet."

        $null = New-VMGuest netg -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 256MB -ProcessorCount 1 -Kernel $Kernel -Initrd $Initrd `
            -KernelArguments 'console=ttyS0 panic=-1' -NoNetwork -WarningAction SilentlyContinue
        # QEMU drops what a pty prints while nobody reads it: start paused, attach the reader, then run.
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
        try { $d = $c.FindDomain('netg'); $d.Start('Paused'); $d.Dispose() } finally { $c.Dispose() }
        $pty = ([xml](virsh -q -c $U dumpxml netg)).domain.devices.console.source.path
        $script:console = Start-Job { param($p) timeout 900 cat $p 2>$null } -ArgumentList $pty
        $deadline = (Get-Date).AddSeconds(60)
        while ($script:console.State -ne 'Running' -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 200 }
        Start-Sleep -Seconds 1
        Resume-VMGuest netg -ConnectionUri $U
        function Wait-Guest([string]$Pattern, [int]$Seconds) {
            $deadline = (Get-Date).AddSeconds($Seconds)
            while ((Get-Date) -lt $deadline) {
                $text = Receive-Job $script:console -Keep | Out-String
                if ($text -match $Pattern) { return $Matches[0] }
                Start-Sleep -Milliseconds 500
            }
            throw "guest netg never printed '$Pattern' in $Seconds s; console: $text"
        }
        # TCG boot on a loaded 2-core machine: measured about 10 s, waited up to 180.
        $null = Wait-Guest 'guest init: ready' 180
    }

    It 'Wait-VMGuest -For IPAddress on the guest without a NIC times out, saying so' {
        Wait-VMGuest netg -For IPAddress -ConnectionUri $U -TimeoutSec 2 -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'GuestWaitTimedOut,VirtTools.Commands.WaitVMGuestCommand'
        $e[0].Exception.Message | Should -BeLike '*it runs, with no network adapter*'
    }

    It 'a NIC added live on the NAT network reaches the guest and the definition, with a generated MAC' {
        $script:nic = Add-VMGuestNetworkAdapter netg -ConnectionUri $U -Network $Net -PassThru
        $nic.MacAddress | Should -Match '^52:54:00(:[0-9a-f]{2}){3}$'
        $nic.Connection | Should -Be "network:$Net"
        $nic.Model | Should -Be 'virtio'
        $nic.Device | Should -Not -BeNullOrEmpty
        # acpiphp plug-in plus virtio_net probe under TCG: seconds; waited up to 120.
        Wait-Guest "guest report networking: nic eth0 $([regex]::Escape($nic.MacAddress)) up" 120 | Should -Not -BeNullOrEmpty
        ([xml](virsh -q -c $U dumpxml netg --inactive)).domain.devices.interface.mac.address | Should -Be $nic.MacAddress
    }

    It 'Wait-VMGuest -For IPAddress returns the NIC once the guest has its DHCP lease' {
        # udhcpc in the guest asks once the NIC is up: seconds under TCG; waited up to 90.
        $w = Wait-VMGuest netg -For IPAddress -ConnectionUri $U -TimeoutSec 90
        $w.MacAddress | Should -Be $nic.MacAddress
        $w.IPAddresses[0].Source | Should -Be 'Lease'
        $w.IPAddresses[0].Address | Should -BeLike "$Subnet*"
    }

    It 'the guest''s DHCP lease is shown with source Lease' {
        $deadline = (Get-Date).AddSeconds(90)
        do {
            $a = (Get-VMGuestNetworkAdapter netg -ConnectionUri $U -MacAddress $nic.MacAddress).IPAddresses
            if ($a) { break }
            Start-Sleep -Seconds 2
        } while ((Get-Date) -lt $deadline)
        $a | Should -Not -BeNullOrEmpty -Because 'busybox udhcpc in the guest asks the network''s dnsmasq for a lease'
        $a[0].Source | Should -Be 'Lease'
        $a[0].Address | Should -BeLike "$Subnet*"
        (virsh -q -c $U domifaddr netg --source lease) -join "`n" | Should -Match ([regex]::Escape($a[0].Address))
    }

    It 'link down and up are seen by the guest, live and in the definition' {
        $mac = [regex]::Escape($nic.MacAddress)
        # Forget what was printed so far (the first report of a new NIC may say down): each wait must see a new line.
        $null = Receive-Job $script:console
        (Set-VMGuestNetworkAdapter netg $nic.MacAddress -ConnectionUri $U -LinkState Down -PassThru).LinkState | Should -Be 'Down'
        Wait-Guest "guest report networking: nic eth0 $mac (down|lowerlayerdown)" 60 | Should -Not -BeNullOrEmpty
        ([xml](virsh -q -c $U dumpxml netg --inactive)).domain.devices.interface.link.state | Should -Be 'down'
        $null = Receive-Job $script:console
        Get-VMGuestNetworkAdapter netg -ConnectionUri $U | Set-VMGuestNetworkAdapter -LinkState Up
        Wait-Guest "guest report networking: nic eth0 $mac up" 60 | Should -Not -BeNullOrEmpty
        (Get-VMGuestNetworkAdapter netg -ConnectionUri $U).LinkState | Should -Be 'Up'
    }

    It 'the NIC is removed from the running guest and the definition' {
        Get-VMGuestNetworkAdapter netg -ConnectionUri $U | Remove-VMGuestNetworkAdapter
        # An unplug takes about 5 s in this guest (acpiphp); waited up to 90.
        $deadline = (Get-Date).AddSeconds(90)
        while ((Get-VMGuestNetworkAdapter netg -ConnectionUri $U) -and (Get-Date) -lt $deadline) { Start-Sleep -Seconds 1 }
        Get-VMGuestNetworkAdapter netg -ConnectionUri $U | Should -BeNullOrEmpty
        ([xml](virsh -q -c $U dumpxml netg --inactive)).domain.devices.interface | Should -BeNullOrEmpty
    }
}
