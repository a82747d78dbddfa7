# Virtual networks, storage pools and volumes on a real libvirtd with the QEMU driver (tests/libvirt/lab.sh,
# its own mount namespace, stopped by pid in AfterAll): a NAT network made by New-VMNetwork -Subnet and
# started by Start-VMNetwork, the TCG test guest booted ONCE with its NIC on it doing DHCP
# (tests/libvirt/guest.d/networking.sh), its lease seen by Get-VMNetworkLease; a dir pool made by
# New-VMStoragePool on a temporary directory, a volume made and removed there as qemu-img sees it. Needs
# root, the lab's packages and dnsmasq (dnsmasq-base); skipped without them.
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
    $W = Join-Path ([IO.Path]::GetTempPath()) ('vt-netpool-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
}

AfterAll {
    if ($Net) { vgremove -f "$Net-vg" 2>$null | Out-Null }
    foreach ($l in $script:Loops) { if ($l) { losetup -d $l 2>$null } }
    if ($script:console) { Remove-Job $script:console -Force -ErrorAction SilentlyContinue }
    if ($W -and (Test-Path $W)) {
        # The network's bridge and dnsmasq live in the host's network namespace: stop it before the daemon.
        if ($U -and $Net) { virsh -q -c $U net-destroy $Net 2>$null | Out-Null }
        bash $Harness stop $W
    }
}

Describe 'Networks, pools and volumes on a real libvirtd with the QEMU driver' -Skip:$Skip {
    BeforeAll {
        $prep = bash (Join-Path $PSScriptRoot ../qemu/prepare.sh) 2>$null
        $script:Kernel = ($prep | Where-Object { $_ -like 'KERNEL=*' }) -replace '^KERNEL='
        $Modules = ($prep | Where-Object { $_ -like 'MODULES=*' }) -replace '^MODULES='
        $out = bash $Harness start $W a
        if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed ($LASTEXITCODE): $out" }
        $script:U = ($out | Where-Object { $_ -like 'LAB_A_URI=*' }) -replace '^LAB_A_URI='
        $script:Initrd = Join-Path $W 'guest-init.cpio'
        bash (Join-Path $PSScriptRoot ../libvirt/guest-initramfs.sh) $Modules $Initrd
        if ($LASTEXITCODE -ne 0) { throw 'guest-initramfs.sh failed' }
        # A name and a subnet no other run on this machine uses at the same time (nor a host route: checked).
        $script:Net = 'vtnp{0:x6}' -f (Get-Random -Maximum 0xffffff)
        $routes = (Get-Content /proc/net/route) -join "`n"
        do { $script:Octet = 100 + (Get-Random -Maximum 150) } while ($routes -match ('\t00{0:X2}A8C0\t' -f $Octet))

        function script:Wait-Guest([string]$Pattern, [int]$Seconds) {
            $deadline = (Get-Date).AddSeconds($Seconds)
            while ((Get-Date) -lt $deadline) {
                $text = Receive-Job $script:console -Keep | Out-String
                if ($text -match $Pattern) { return $Matches[0] }
                Start-Sleep -Milliseconds 500
            }
            throw "the guest never printed '$Pattern' in $Seconds s; console: $text"
        }
    }

    It 'New-VMNetwork -Mode Nat -Subnet defines the network; Start-VMNetwork brings up its bridge with the gateway address' {
        $n = New-VMNetwork $Net -Mode Nat -Subnet "192.168.$Octet.0/24" -NoStart -PassThru -ConnectionUri $U
        $n.Active, $n.ForwardMode, $n.IPAddress, $n.DhcpRange | Should -Be @($false, 'nat', "192.168.$Octet.1/24", "192.168.$Octet.2-192.168.$Octet.254")
        $n.Bridge | Should -Match '^virbr\d+$' -Because 'libvirt names the bridge'
        $script:Bridge = $n.Bridge
        (Start-VMNetwork $Net -PassThru -ConnectionUri $U).Active | Should -BeTrue
        $addr = (ip -j addr show dev $Bridge | ConvertFrom-Json).addr_info | Where-Object family -eq 'inet'
        "$($addr.local)/$($addr.prefixlen)" | Should -Be "192.168.$Octet.1/24"
        ([xml](virsh -q -c $U net-dumpxml $Net)).network.ip.dhcp.range.start | Should -Be "192.168.$Octet.2"
    }

    It 'a subnet overlapping it is refused before libvirt is asked, naming the network' {
        New-VMNetwork "$Net-x" -Subnet "192.168.$Octet.128/25" -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'NetworkSubnetOverlaps,VirtTools.Commands.NewVMNetworkCommand'
        $err[0].Exception.Message | Should -Match "(libvirt network '$Net'|dev $Bridge)"
        virsh -q -c $U net-list --all --name | Should -Not -Contain "$Net-x"
    }

    It 'a subnet on a route of another routing table (policy routing) is refused, naming the table' {
        # A table no rule points at: the route changes nothing on this host, but an admin's VPN or VRF table looks the same.
        $dev = (ip -j route show default | ConvertFrom-Json | Select-Object -First 1).dev
        if (-not $dev) { Set-ItResult -Skipped -Because 'this host has no default route to hang the test route on'; return }
        $table = 4000 + (Get-Random -Maximum 900)
        $dst = "10.{0}.{1}.0/24" -f (200 + (Get-Random -Maximum 50)), (Get-Random -Maximum 250)
        ip route add $dst dev $dev table $table
        try {
            New-VMNetwork "$Net-t" -Subnet $dst -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'NetworkSubnetOverlaps,VirtTools.Commands.NewVMNetworkCommand'
            $err[0].Exception.Message | Should -Match ([regex]::Escape("(dev $dev, table $table)"))
            virsh -q -c $U net-list --all --name | Should -Not -Contain "$Net-t"
        }
        finally { ip route del $dst dev $dev table $table }
    }

    It 'the lab guest on it gets a DHCP lease that Get-VMNetworkLease shows' {
        $null = New-VMGuest npg -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 256MB -ProcessorCount 1 -Kernel $Kernel -Initrd $Initrd `
            -KernelArguments 'console=ttyS0 panic=-1' -Network $Net -WarningAction SilentlyContinue
        # QEMU drops what a pty prints while nobody reads it: start paused, attach the reader, then run.
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
        try { $d = $c.FindDomain('npg'); $d.Start('Paused'); $d.Dispose() } finally { $c.Dispose() }
        $pty = ([xml](virsh -q -c $U dumpxml npg)).domain.devices.console.source.path
        $script:console = Start-Job { param($p) timeout 900 cat $p 2>$null } -ArgumentList $pty
        $deadline = (Get-Date).AddSeconds(60)
        while ($script:console.State -ne 'Running' -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 200 }
        Start-Sleep -Seconds 1
        Resume-VMGuest npg -ConnectionUri $U
        $mac = (Get-VMGuestNetworkAdapter npg -ConnectionUri $U).MacAddress
        # TCG boot and udhcpc: measured 15 s to 50 s on this 2-core machine (load average 50 from parallel
        # builds); waited up to 360 s for the lease itself, the console kept for the failure message.
        $deadline = (Get-Date).AddSeconds(360)
        do {
            $lease = Get-VMNetworkLease $Net -MacAddress $mac -ConnectionUri $U
            if ($lease) { break }
            Start-Sleep -Seconds 2
        } while ((Get-Date) -lt $deadline)
        $lease | Should -Not -BeNullOrEmpty -Because ("busybox udhcpc in the guest asks the network's dnsmasq for a lease; console: " + (Receive-Job $script:console -Keep | Out-String))
        Wait-Guest "guest report networking: nic eth0 $([regex]::Escape($mac)) up" 60 | Should -Not -BeNullOrEmpty
        $lease | Should -BeOfType VirtTools.VMNetworkLease
        $lease.Network, $lease.Type, $lease.Interface | Should -Be @($Net, 'IPv4', $Bridge)
        $lease.IPAddress | Should -Match "^192\.168\.$Octet\.\d+/24$"
        $lease.ExpiryTime | Should -BeGreaterThan ([datetime]::UtcNow)
        (virsh -q -c $U net-dhcp-leases $Net) -join "`n" | Should -Match ([regex]::Escape(($lease.IPAddress)))
        (Get-VMNetworkLease $Net -ConnectionUri $U | Out-String -Width 200) -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'removing or stopping the network the running guest uses is refused, naming the guest' {
        Remove-VMNetwork $Net -Confirm:$false -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'NetworkInUse,VirtTools.Commands.RemoveVMNetworkCommand'
        $err[0].Exception.Message | Should -Match "'npg'"
        Stop-VMNetwork $Net -ConnectionUri $U -ErrorAction SilentlyContinue
        (Get-VMNetwork $Net -ConnectionUri $U).Active | Should -BeTrue
    }

    It 'with the guest gone the network is removed, bridge and all' {
        Remove-VMGuest npg -Force -Confirm:$false -ConnectionUri $U
        Remove-VMNetwork $Net -Confirm:$false -ConnectionUri $U
        virsh -q -c $U net-list --all --name | Should -Not -Contain $Net
        Test-Path "/sys/class/net/$Bridge" | Should -BeFalse
    }

    It 'New-VMStoragePool makes a dir pool on a new directory; a file as path is refused' {
        $script:PoolDir = Join-Path $W 'pool-dir'
        $p = New-VMStoragePool "$Net-pool" -Path $PoolDir -PassThru -ConnectionUri $U
        $p.Type, $p.Active, $p.Autostart, $p.Path | Should -Be @('dir', $true, $true, $PoolDir)
        $p.CapacityBytes | Should -BeGreaterThan 0
        Test-Path $PoolDir -PathType Container | Should -BeTrue -Because 'the pool''s build makes the directory'
        (virsh -q -c $U pool-info "$Net-pool") -join "`n" | Should -Match 'Autostart:\s+yes'
        $file = Join-Path $W 'not-a-dir'
        Set-Content $file 'x'
        New-VMStoragePool "$Net-file" -Path $file -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'StoragePoolPathIsFile,VirtTools.Commands.NewVMStoragePoolCommand'
        virsh -q -c $U pool-list --all --name | Should -Not -Contain "$Net-file"
    }

    It 'volumes made there are what qemu-img sees; removed, their files are gone, and so is the pool' {
        $q = New-VMStorageVolume "$Net-pool" v1.qcow2 -SizeBytes 256MB -PassThru -ConnectionUri $U
        $r = New-VMStorageVolume "$Net-pool" v2.img -SizeBytes 64MB -Format Raw -PassThru -ConnectionUri $U
        $q.Path | Should -Be (Join-Path $PoolDir v1.qcow2)
        $info = qemu-img info --output=json $q.Path | ConvertFrom-Json
        $info.format, $info.'virtual-size' | Should -Be @('qcow2', 256MB)
        $info = qemu-img info --output=json $r.Path | ConvertFrom-Json
        $info.format, $info.'virtual-size' | Should -Be @('raw', 64MB)
        $v = Get-VMStorageVolume "$Net-pool" -ConnectionUri $U
        $v.Name | Should -Be @('v1.qcow2', 'v2.img')
        $v.Format | Should -Be @('qcow2', 'raw')
        New-VMStorageVolume "$Net-pool" ../escape.qcow2 -SizeBytes 1MB -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidStorageVolumeName,VirtTools.Commands.NewVMStorageVolumeCommand'
        Test-Path (Join-Path $W escape.qcow2) | Should -BeFalse
        Remove-VMStorageVolume "$Net-pool" v1.qcow2 -Confirm:$false -ConnectionUri $U
        Test-Path $q.Path | Should -BeFalse
        Remove-VMStoragePool "$Net-pool" -DeleteContents -Confirm:$false -ConnectionUri $U
        Test-Path $PoolDir | Should -BeFalse
        virsh -q -c $U pool-list --all --name | Should -Not -Contain "$Net-pool"
    }

    It 'New-VMStoragePool -Type Logical builds a volume group on an empty device, refuses a formatted or mounted one, and -DeleteContents removes the group' {
        if (-not (Get-Command losetup, vgs, pvs, mkfs.ext4 -ErrorAction SilentlyContinue | Measure-Object).Count -eq 4) {
            Set-ItResult -Skipped -Because 'needs lvm2, util-linux and e2fsprogs'; return
        }
        $env:LVM_SUPPRESS_FD_WARNINGS = '1'
        $blank, $formatted = 'blank', 'formatted' | ForEach-Object { $f = Join-Path $W "$_.img"; truncate -s 64M $f; $f }
        $script:Loops = @($blank, $formatted | ForEach-Object { losetup -f --show $_ 2>$null })
        if ($Loops.Count -ne 2 -or $LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'no free loop device here'; return }
        mkfs.ext4 -q -F $Loops[1]
        $vg = "$Net-vg"
        $p = New-VMStoragePool $vg -Type Logical -SourceDevice $Loops[0] -PassThru -ConnectionUri $U
        $p.Type, $p.Active, $p.Source, $p.Path | Should -Be @('logical', $true, $vg, "/dev/$vg")
        $p.SourceDevices | Should -Be $Loops[0]
        (pvs --noheadings -o pv_name,vg_name 2>$null) -join "`n" | Should -Match ("{0}\s+{1}" -f [regex]::Escape($Loops[0]), [regex]::Escape($vg))

        New-VMStoragePool "$Net-vg2" -Type Logical -SourceDevice $Loops[1] -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'StoragePoolDeviceNotEmpty,VirtTools.Commands.NewVMStoragePoolCommand'
        blkid -p -s TYPE -o value $Loops[1] | Should -Be 'ext4' -Because 'libvirt left the file system alone'
        virsh -q -c $U pool-list --all --name | Should -Not -Contain "$Net-vg2"

        $mnt = Join-Path $W 'mnt'
        $null = New-Item -ItemType Directory $mnt
        mount $Loops[1] $mnt
        try {
            New-VMStoragePool "$Net-vg3" -Type Logical -SourceDevice $Loops[1] -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'StoragePoolDeviceInUse,VirtTools.Commands.NewVMStoragePoolCommand'
            $err[0].Exception.Message | Should -Match ([regex]::Escape("is mounted on $mnt"))
        }
        finally { umount $mnt }

        Remove-VMStoragePool $vg -DeleteContents -Confirm:$false -ConnectionUri $U
        vgs --noheadings -o vg_name 2>$null | ForEach-Object Trim | Should -Not -Contain $vg
        (pvs --noheadings -o pv_name 2>$null | ForEach-Object Trim) | Should -Not -Contain $Loops[0] -Because 'the build''s physical volume label is wiped with the group'
        virsh -q -c $U pool-list --all --name | Should -Not -Contain $vg
    }
}
