# Copy-VMGuest against a real libvirtd (tests/libvirt/lab.sh, one daemon in its own mount namespace,
# stopped by pid in AfterAll): a full copy whose image equals the source's, and a linked clone (a qcow2
# overlay on the source's disk) that boots the TCG test guest with its own UUID and MAC, writes to its
# overlay and leaves the base byte for byte as it was; the base's start refused while the clone exists,
# and QEMU's image lock refusal named by guest. guest.d/clone.sh prints the SMBIOS UUID and vda's head.
# Needs root, libvirt-daemon-system, qemu-system-x86, qemu-utils, busybox-static; skipped without them.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot Support/LabPrerequisites.ps1)
    $Skip = [bool](Get-LabSkipReason)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    . (Join-Path $PSScriptRoot Support/GuestLab.ps1)
    $W = Join-Path ([IO.Path]::GetTempPath()) ('vt-clone-lab-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
    function Get-Report([string]$Console, [string]$Area) {
        $m = [regex]::Matches((Get-Content -Raw $Console -ErrorAction SilentlyContinue) + '', "guest report ${Area}: ([^\r\n]*)")
        @($m | ForEach-Object { $_.Groups[1].Value.TrimEnd() })
    }
    function Wait-Report([string]$Console, [string]$Area, [string]$Pattern, [int]$Seconds) {
        $deadline = (Get-Date).AddSeconds($Seconds)
        do {
            $r = Get-Report $Console $Area | Where-Object { $_ -match $Pattern } | Select-Object -Last 1
            if ($r) { return $r }
            Start-Sleep -Milliseconds 500
        } while ((Get-Date) -lt $deadline)
        throw "no '$Area' report matching '$Pattern' in $Seconds s; console tail: $((Get-Content $Console -Tail 5 -ErrorAction SilentlyContinue) -join ' | ')"
    }
}

AfterAll {
    if ($W -and (Test-Path $W)) { bash $Harness stop $W }
}

Describe 'Copy-VMGuest on a real libvirtd' -Skip:$Skip {
    BeforeAll {
        $lab = Start-GuestLab $W
        ($U, $PoolDir, $Initrd) = $lab.Uri, $lab.PoolDir, $lab.Initrd
        # The source's disk: a 16 MiB qcow2 in the pool whose first 64 KiB are 0x5a.
        $Base = Join-Path $PoolDir 'cs1.qcow2'
        qemu-img create -q -f qcow2 $Base 16M
        qemu-io -f qcow2 -c 'write -P 0x5a 0 64k' $Base | Out-Null
        virsh -q -c $U pool-refresh default | Out-Null
        $BaseHash = (Get-FileHash $Base -Algorithm SHA256).Hash
        # The source: the lab's counter guest with that disk, a virtio NIC on QEMU's user network, and
        # 'vtclone' on its command line so clone.sh writes its mark.
        $SrcConsole = Join-Path $W 'cs1.console'
        $x = [xml]((bash $Harness guest-xml $W cs1 $SrcConsole 128 /var/lib/libvirt/images/cs1.qcow2) -join "`n")
        $x.domain.os.initrd = $Initrd
        $x.domain.os.cmdline = $x.domain.os.cmdline + ' vtclone'
        $nic = $x.CreateElement('interface'); $nic.SetAttribute('type', 'user')
        $m = $x.CreateElement('model'); $m.SetAttribute('type', 'virtio'); $null = $nic.AppendChild($m)
        $null = $x.domain.devices.AppendChild($nic)
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
        try { $d = $c.DefineDomain($x.OuterXml, 'Validate'); $d.Dispose() } finally { $c.Dispose() }
        $Src = Get-VMGuest cs1 -ConnectionUri $U
        $SrcMac = ([xml](virsh -q -c $U dumpxml --inactive cs1)).domain.devices.interface.mac.address
    }
    AfterAll {
        foreach ($g in 'cl1', 'cf1', 'cs1') { Remove-VMGuest $g -ConnectionUri $U -Force -RemoveStorage -Confirm:$false -ErrorAction SilentlyContinue }
    }

    It 'a full copy gets a new name, UUID and MAC, and an image with the same content in the pool' {
        $g = Copy-VMGuest cs1 cf1 -ConnectionUri $U -PassThru
        $g.Name | Should -Be 'cf1'
        $g.Uuid | Should -Not -Be $Src.Uuid
        $mac = ([xml](virsh -q -c $U dumpxml --inactive cf1)).domain.devices.interface.mac.address
        $mac | Should -Match '^52:54:00:'
        $mac | Should -Not -Be $SrcMac
        ([xml](virsh -q -c $U dumpxml --inactive cf1)).domain.devices.disk.source.file | Should -Be '/var/lib/libvirt/images/cf1.qcow2'
        qemu-img compare -q (Join-Path $PoolDir 'cf1.qcow2') $Base
        $LASTEXITCODE | Should -Be 0
        (qemu-img info --output=json (Join-Path $PoolDir 'cf1.qcow2') | ConvertFrom-Json).'backing-filename' | Should -BeNullOrEmpty
    }

    It 'a linked clone is an overlay on the source disk, boots with its own UUID and MAC, and writes only to its overlay' {
        $g = Copy-VMGuest cs1 cl1 -Linked -Start -ConnectionUri $U -PassThru -WarningVariable warn -WarningAction SilentlyContinue
        $warn -join ' ' | Should -Match "'cs1' becomes the base of 'cl1'"
        $Overlay = Join-Path $PoolDir 'cl1.qcow2'
        # The backing path is the daemon's view (/var/lib/libvirt/images lives in its mount namespace).
        $info = qemu-img info --output=json -U $Overlay | ConvertFrom-Json
        ($info.format, $info.'backing-filename', $info.'backing-filename-format') | Should -Be @('qcow2', '/var/lib/libvirt/images/cs1.qcow2', 'qcow2')
        ([xml](virsh -q -c $U vol-dumpxml --pool default cl1.qcow2)).volume.backingStore.path | Should -Be '/var/lib/libvirt/images/cs1.qcow2'
        $mac = ([xml](virsh -q -c $U dumpxml cl1)).domain.devices.interface.mac.address
        $mac | Should -Not -Be $SrcMac
        # The lab start and a TCG boot take under a minute on 2 loaded cores: 180 s is 3x that.
        ([xml](virsh -q -c $U dumpxml cl1)).domain.devices.serial.source.path | Should -Be (Join-Path $W 'cl1.console')
        $r = Wait-Report (Join-Path $W 'cl1.console') clone 'mark=written' 180
        $r | Should -Be "uuid=$($g.Uuid) head=5a5a5a5a5a5a5a5a mark=written"
        $g.Uuid | Should -Not -Be $Src.Uuid
        Wait-Report (Join-Path $W 'cl1.console') networking "nic eth0 $mac" 90 | Should -Match "^nic eth0 $mac "
        (Get-FileHash $Base -Algorithm SHA256).Hash | Should -Be $BaseHash
        (qemu-img info --output=json -U $Overlay | ConvertFrom-Json).'actual-size' | Should -BeGreaterThan 0
    }

    It 'the base is not started while its linked clone exists, and is not deleted with -RemoveStorage' {
        $err = $null
        Start-VMGuest cs1 -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'LinkedCloneBase,VirtTools.Commands.StartVMGuestCommand'
        $err[0].Exception.Message | Should -Match "'cl1'"
        (virsh -q -c $U domstate cs1) | Should -Be 'shut off'
        Remove-VMGuest cs1 -RemoveStorage -ConnectionUri $U -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'LinkedCloneBase,VirtTools.Commands.RemoveVMGuestCommand'
        Test-Path $Base | Should -BeTrue
    }

    It "QEMU's image lock refusal names the guest that holds the image" {
        Stop-VMGuest cl1 -TurnOff -ConnectionUri $U
        # Behind VirtTools' back, the base runs.
        virsh -q -c $U start cs1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        try {
            $err = $null
            Start-VMGuest cl1 -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'DiskImageInUse,VirtTools.Commands.StartVMGuestCommand' -Because $err[0].Exception.Message
            $err[0].Exception.Message | Should -Match "running guest\(s\) 'cs1'"
            (virsh -q -c $U domstate cl1) | Should -Be 'shut off'
        }
        finally { virsh -q -c $U destroy cs1 | Out-Null }
    }

    It 'Remove-VMGuest -RemoveStorage of the clone deletes its overlay, never the base' {
        Remove-VMGuest cl1 -RemoveStorage -ConnectionUri $U -Confirm:$false
        Test-Path (Join-Path $PoolDir 'cl1.qcow2') | Should -BeFalse
        Test-Path $Base | Should -BeTrue
        Start-VMGuest cs1 -ConnectionUri $U -PassThru | ForEach-Object State | Should -Be 'Running'
    }

    It 'a UEFI guest''s variable store is copied into the clone''s own file through the storage API' {
        # The daemon sees its /var/lib/libvirt at $W/a/lib (its own mount namespace): the store is written there as the source's firmware would have left it.
        $nvDir = Join-Path $W 'a/lib/qemu/nvram'
        $null = New-Item -ItemType Directory -Force $nvDir
        $store = [byte[]]::new(540672); [Random]::new(7).NextBytes($store)
        [IO.File]::WriteAllBytes((Join-Path $nvDir 'uefi1_VARS.fd'), $store)
        $xml = "<domain type='qemu'><name>uefi1</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><features><acpi/></features>" +
            "<os><type arch='x86_64' machine='q35'>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>" +
            "<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/libvirt/qemu/nvram/uefi1_VARS.fd</nvram></os><devices/></domain>"
        Set-Content (Join-Path $W uefi1.xml) $xml
        virsh -q -c $U define (Join-Path $W uefi1.xml) | Out-Null
        $LASTEXITCODE | Should -Be 0
        $before = virsh -q -c $U pool-list --all --name
        Copy-VMGuest uefi1 -NewName uefi2 -ConnectionUri $U -WarningVariable warned -WarningAction SilentlyContinue
        [xml]$clone = virsh -c $U dumpxml --inactive uefi2
        $clone.domain.os.nvram.'#text' | Should -Be '/var/lib/libvirt/qemu/nvram/uefi2_VARS.fd'
        [IO.File]::ReadAllBytes((Join-Path $nvDir 'uefi2_VARS.fd')) | Should -Be $store -Because 'the clone starts with the source''s boot entries and keys'
        virsh -q -c $U pool-list --all --name | Should -Be $before -Because 'the pool made for the copy is gone again'
        ($warned -join ' ') | Should -Not -Match 'template'
        Copy-VMGuest uefi1 -NewName uefi2 -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Match '^(CloneNameInUse),'
        virsh -q -c $U undefine uefi2 --nvram | Out-Null
        virsh -q -c $U undefine uefi1 --nvram | Out-Null
    }
}
