# The disk cmdlets against a real libvirtd with the QEMU driver (tests/libvirt/lab.sh, one daemon in its
# own mount namespace, stopped by pid in AfterAll) and one TCG guest booted once for every test here:
# the test kernel with guest-initramfs.sh, whose storage report (guest.d/storage.sh) prints the guest's
# block devices and their sizes, so the tests see what the guest kernel sees: a disk hot-plugged,
# grown and unplugged, a disc inserted and ejected.
# Needs root, libvirt-daemon-system, qemu-system-x86, qemu-utils, busybox-static; skipped without them.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot Support/LabPrerequisites.ps1)
    $Skip = [bool](Get-LabSkipReason)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    . (Join-Path $PSScriptRoot Support/GuestLab.ps1)
    $W = Join-Path ([IO.Path]::GetTempPath()) ('vt-disk-lab-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
    $G = 'stg1'
    # The guest's latest storage report ("block vda=32768 sr0=empty"), and a wait for one that matches.
    function Get-Report {
        $m = [regex]::Matches((Get-Content -Raw $Console -ErrorAction SilentlyContinue) + '', 'guest report storage: (block[^\r\n]*)')
        if ($m.Count) { $m[$m.Count - 1].Groups[1].Value.TrimEnd() } else { '' }
    }
    function Wait-Report([string]$Pattern, [int]$Seconds) {
        $deadline = (Get-Date).AddSeconds($Seconds)
        do {
            $r = Get-Report
            if ($r -match $Pattern) { return $r }
            Start-Sleep -Milliseconds 500
        } while ((Get-Date) -lt $deadline)
        throw "guest '$G' never reported '$Pattern' in $Seconds s; last report: '$r'; console tail: $((Get-Content $Console -Tail 5 -ErrorAction SilentlyContinue) -join ' | ')"
    }
}

AfterAll {
    if ($W -and (Test-Path $W)) { bash $Harness stop $W }
}

Describe 'Disks and media of a running guest on a real libvirtd' -Skip:$Skip {
    BeforeAll {
        $lab = Start-GuestLab $W
        ($U, $PoolDir, $Initrd) = $lab.Uri, $lab.PoolDir, $lab.Initrd
        $Console = Join-Path $W 'stg1.console'
        # The lab's guest with this initramfs and an empty DVD drive on the IDE bus of the 'pc' machine.
        $x = [xml]((bash $Harness guest-xml $W $G $Console 128) -join "`n")
        $x.domain.os.initrd = $Initrd
        # PCI hot-plug on the 'pc' machine goes through ACPI, which the lab's counter guest leaves out.
        $f = $x.CreateElement('features'); $null = $f.AppendChild($x.CreateElement('acpi')); $null = $f.AppendChild($x.CreateElement('apic'))
        $null = $x.domain.InsertAfter($f, $x.domain.SelectSingleNode('os'))
        $dvd = $x.CreateElement('disk'); $dvd.SetAttribute('type', 'file'); $dvd.SetAttribute('device', 'cdrom')
        $t = $x.CreateElement('target'); $t.SetAttribute('dev', 'hdc'); $t.SetAttribute('bus', 'ide'); $null = $dvd.AppendChild($t)
        $null = $dvd.AppendChild($x.CreateElement('readonly'))
        $null = $x.domain.devices.AppendChild($dvd)
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
        try { $d = $c.DefineDomain($x.OuterXml, 'Validate'); $d.Start('None'); $d.Dispose() } finally { $c.Dispose() }
        # The ISO: any readable file does (the guest reads sizes, not a file system); 1 MiB = 2048 sectors.
        $Iso = Join-Path $W 'disc.iso'
        [IO.File]::WriteAllBytes($Iso, [byte[]]::new(1MB))
        # The lab start and TCG boot take under 60 s here (2 cores, other builds running): 180 s is 3x that.
        $null = Wait-Report '^block sr0=empty$' 180
    }
    AfterAll {
        Remove-VMGuest $G -ConnectionUri $U -Force -RemoveStorage -Confirm:$false -ErrorAction SilentlyContinue
    }

    It 'Get-VMGuestDisk reads the running guest: the empty DVD drive' {
        $d = @(Get-VMGuestDisk $G -ConnectionUri $U)
        $d.Count | Should -Be 1
        ($d[0].Target, $d[0].Bus, $d[0].Device, $d[0].Live) | Should -Be @('hdc', 'ide', 'cdrom', $true)
        $d[0].Source | Should -BeNullOrEmpty
    }

    It 'a new volume attached live appears in the guest as a new block device and in the definition' {
        $disk = Add-VMGuestDisk $G -NewSizeBytes 16MB -StoragePool default -ConnectionUri $U -PassThru
        ($disk.Target, $disk.Bus, $disk.Format, $disk.Live) | Should -Be @('vda', 'virtio', 'qcow2', $true)
        $disk.Source | Should -Be '/var/lib/libvirt/images/stg1-vda.qcow2'
        [IO.File]::ReadAllBytes((Join-Path $PoolDir 'stg1-vda.qcow2'))[0..3] | Should -Be @(0x51, 0x46, 0x49, 0xfb)
        Wait-Report 'vda=32768' 90 | Should -Be 'block vda=32768 sr0=empty'
        ([xml](virsh -q -c $U dumpxml --inactive $G)).domain.devices.disk.target.dev | Should -Contain 'vda'
    }

    It 'Resize-VMGuestDisk grows it live (virDomainBlockResize): the guest sees the new size; a shrink is refused' {
        $r = Get-VMGuestDisk $G vda -ConnectionUri $U | Resize-VMGuestDisk -SizeBytes 32MB -PassThru
        $r.Target | Should -Be 'vda'
        Wait-Report 'vda=65536' 90 | Should -Be 'block vda=65536 sr0=empty'
        $err = $null
        Resize-VMGuestDisk $G vda 16MB -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DiskShrinkRefused,VirtTools.Commands.ResizeVMGuestDiskCommand'
    }

    It 'an ISO inserted live is read by the guest, and ejected again' {
        $d = Set-VMGuestDvdDrive $G $Iso -ConnectionUri $U -PassThru
        ($d.Target, $d.Source) | Should -Be @('hdc', $Iso)
        Wait-Report 'sr0=2048' 90 | Should -Be 'block vda=65536 sr0=2048'
        ([xml](virsh -q -c $U dumpxml --inactive $G)).domain.devices.disk.source.file | Should -Contain $Iso
        (Set-VMGuestDvdDrive $G $null -ConnectionUri $U -PassThru).Source | Should -BeNullOrEmpty
        Wait-Report 'sr0=empty$' 90 | Should -Be 'block vda=65536 sr0=empty'
        ([xml](virsh -q -c $U dumpxml --inactive $G)).domain.devices.disk.source.file | Should -Not -Contain $Iso
    }

    It 'the disk detached live leaves the guest, the definition and, with -RemoveStorage, the pool' {
        Get-VMGuestDisk $G vda -ConnectionUri $U | Remove-VMGuestDisk -RemoveStorage -Confirm:$false
        Wait-Report '^block sr0=empty$' 90 | Should -Be 'block sr0=empty'
        ([xml](virsh -q -c $U dumpxml $G)).domain.devices.disk.target.dev | Should -Not -Contain 'vda'
        ([xml](virsh -q -c $U dumpxml --inactive $G)).domain.devices.disk.target.dev | Should -Not -Contain 'vda'
        Test-Path (Join-Path $PoolDir 'stg1-vda.qcow2') | Should -BeFalse
    }

    It 'an existing image is attached by path, its format asked of its pool (the daemon sees another file system)' {
        # /var/lib/libvirt/images is $PoolDir only inside the daemon's mount namespace: the pool answers, not this host.
        qemu-img create -q -f qcow2 (Join-Path $PoolDir 'extra.qcow2') 8M
        virsh -q -c $U pool-refresh default | Out-Null
        $disk = Add-VMGuestDisk $G /var/lib/libvirt/images/extra.qcow2 -ReadOnly -ConnectionUri $U -PassThru
        ($disk.Target, $disk.Format, $disk.ReadOnly) | Should -Be @('vda', 'qcow2', $true)
        Wait-Report 'vda=16384' 90 | Should -Be 'block vda=16384 sr0=empty'
        Remove-VMGuestDisk $G vda -ConnectionUri $U -Confirm:$false
        Wait-Report '^block sr0=empty$' 90 | Should -Be 'block sr0=empty'
        Test-Path (Join-Path $PoolDir 'extra.qcow2') | Should -BeTrue
    }
}
