# New-VMGuest -BaseImage/-CloudInit and Import-VMStorageVolume on libvirt's test driver (in process, no
# daemon; BeforeAll holds one connection open so the driver keeps its state for the whole file). The
# test driver has no upload stream: the seed and the import fail there and must leave nothing behind.
# The upload itself, the boot and the seed's mount are proven in Provision.Daemon.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    $U = 'test:///default'
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
    $Pool = 'default-pool'
    $T = New-TestTempPath 'vt-prov'
    $null = New-Item -ItemType Directory $T
    $Raw = Join-Path $T 'base.raw'; [IO.File]::WriteAllBytes($Raw, [byte[]]::new(1MB))
    $Text = Join-Path $T 'notes.txt'; Set-Content $Text ('hello world ' * 100)
    $Key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEyGHrQ3ohJt7FbrYyT7h0ukjVnJTlnhcgygRwq3Qm9w alice@example'
    . (Join-Path $PSScriptRoot Support/TestDriverState.ps1)
}

AfterAll {
    $Keep.Dispose()
    Remove-Item $T -Recurse -Force -ErrorAction SilentlyContinue
    Restore-TestHost
}

Describe 'New-VMGuest -BaseImage and -CloudInit' {
    It '-XmlOnly: the disk is the overlay volume, the seed a read-only SATA CD named in the metadata' {
        $x = [xml](New-VMGuest pv1 -ConnectionUri $U -BaseImage $Raw -NewDiskSizeBytes 2MB -StoragePool $Pool -UserName alice -SshPublicKey $Key -NoNetwork -XmlOnly -WarningAction SilentlyContinue)
        $disks = @($x.domain.devices.disk)
        ($disks[0].device, $disks[0].source.file, $disks[0].driver.type) | Should -Be @('disk', '/default-pool/pv1.qcow2', 'qcow2')
        ($disks[1].device, $disks[1].source.file, $disks[1].target.bus) | Should -Be @('cdrom', '/default-pool/pv1-cidata.iso', 'sata')
        $x.domain.metadata.provision.seed.path | Should -Be '/default-pool/pv1-cidata.iso'
    }

    It '-WhatIf makes neither the overlay nor the seed' {
        $before = Get-VolumeNames
        New-VMGuest pv2 -ConnectionUri $U -BaseImage $Raw -StoragePool $Pool -NewDiskSizeBytes 2MB -Hostname pv2 -NoNetwork -WhatIf -WarningAction SilentlyContinue
        Get-VolumeNames | Should -Be $before
        Get-GuestNames | Should -Not -Contain 'pv2'
    }

    It 'a base image alone makes an overlay guest; Get-VMGuestDisk shows its backing file; -RemoveStorage keeps the base' {
        $p = $Keep.FindStoragePool($Pool)
        $p.CreateVolume("<volume><name>pv-base.qcow2</name><capacity>4194304</capacity><target><format type='qcow2'/></target></volume>", 'None').Dispose()
        $p.Dispose()
        $g = New-VMGuest pv3 -ConnectionUri $U -BaseImage "$Pool/pv-base.qcow2" -StoragePool $Pool -NoNetwork -WarningAction SilentlyContinue
        $g.Name | Should -Be 'pv3'
        $d = Get-VMGuestDisk pv3 -ConnectionUri $U
        ($d.Source, $d.BackingFile) | Should -Be @('/default-pool/pv3.qcow2', '/default-pool/pv-base.qcow2')
        Remove-VMGuest pv3 -ConnectionUri $U -RemoveStorage -Confirm:$false
        Get-VolumeNames | Should -Contain 'pv-base.qcow2'
        Get-VolumeNames | Should -Not -Contain 'pv3.qcow2'
    }

    It 'the seed upload fails on the test driver and the overlay, the seed volume and the definition are gone' {
        $before = Get-VolumeNames
        New-VMGuest pv4 -ConnectionUri $U -BaseImage $Raw -NewDiskSizeBytes 2MB -StoragePool $Pool -CloudInit -NoNetwork -WarningAction SilentlyContinue -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].Exception.Message | Should -Match 'virStorageVolUpload'
        Get-VolumeNames | Should -Be $before
        Get-GuestNames | Should -Not -Contain 'pv4'
    }

    It '<Case> is <Id> and nothing is made' -ForEach @(
        @{ Case = 'a text file as base image'; Id = 'BaseImageNotAnImage'; Category = 'InvalidData'; Params = @{ BaseImage = 'TEXT' } }
        @{ Case = 'a missing base image'; Id = 'BaseImageNotFound'; Category = 'ObjectNotFound'; Params = @{ BaseImage = '/no/such.qcow2' } }
        @{ Case = 'a size below the image'; Id = 'DiskSmallerThanBaseImage'; Category = 'InvalidArgument'; Params = @{ BaseImage = 'RAW-IN-POOL'; NewDiskSizeBytes = 1MB } }
        @{ Case = 'a missing user-data file'; Id = 'CloudInitFileNotFound'; Category = 'ObjectNotFound'; Params = @{ UserData = '/no/such/user-data' } }
        @{ Case = 'a password without a user'; Id = 'CloudInitPasswordNeedsUser'; Category = 'InvalidArgument'; Params = @{ Password = (ConvertTo-SecureString 'x' -AsPlainText -Force) } }
        @{ Case = 'a key that is not a key'; Id = 'InvalidSshPublicKey'; Category = 'InvalidArgument'; Params = @{ SshPublicKey = 'ssh-ed25519 !!!' } }
    ) {
        $p = $Keep.FindStoragePool($Pool)
        if (-not $p.FindVolume('pv-big.raw')) { $p.CreateVolume("<volume><name>pv-big.raw</name><capacity>4194304</capacity><target><format type='raw'/></target></volume>", 'None').Dispose() }
        $p.Dispose()
        $a = @{} + $Params
        if ($a.BaseImage -eq 'TEXT') { $a.BaseImage = $Text }
        if ($a.BaseImage -eq 'RAW-IN-POOL') { $a.BaseImage = "$Pool/pv-big.raw" }
        $before = Get-VolumeNames
        New-VMGuest pvbad -ConnectionUri $U -StoragePool $Pool -NoNetwork @a -WarningAction SilentlyContinue -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "$Id,VirtTools.Commands.NewVMGuestCommand"
        "$($e[0].CategoryInfo.Category)" | Should -Be $Category
        Get-VolumeNames | Should -Be $before
        Get-GuestNames | Should -Not -Contain 'pvbad'
    }
}

Describe 'Import-VMStorageVolume' {
    It 'has the shape of a changing cmdlet' {
        $c = Get-Command Import-VMStorageVolume
        $c.OutputType.Name | Should -Contain 'VirtTools.ImportedStorageVolume'
        $c.Parameters.Keys | Should -Contain 'WhatIf'
    }

    It '-WhatIf creates nothing' {
        $before = Get-VolumeNames
        Import-VMStorageVolume $Raw -StoragePool $Pool -Name pv-imp.raw -ConnectionUri $U -WhatIf
        Get-VolumeNames | Should -Be $before
    }

    It 'a missing file is SourceFileNotFound, a name in use StorageVolumeExists, a missing pool StoragePoolNotFound' {
        Import-VMStorageVolume (Join-Path $T nope.img) -StoragePool $Pool -ConnectionUri $U -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -Be 'SourceFileNotFound,VirtTools.Commands.ImportVMStorageVolumeCommand'
        $p = $Keep.FindStoragePool($Pool)
        $p.CreateVolume("<volume><name>pv-taken</name><capacity>1048576</capacity></volume>", 'None').Dispose(); $p.Dispose()
        Import-VMStorageVolume $Raw -StoragePool $Pool -Name pv-taken -ConnectionUri $U -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be 'StorageVolumeExists,VirtTools.Commands.ImportVMStorageVolumeCommand'
        "$($e2[0].CategoryInfo.Category)" | Should -Be 'ResourceExists'
        Import-VMStorageVolume $Raw -StoragePool nopool -ConnectionUri $U -ErrorVariable e3 -ErrorAction SilentlyContinue
        $e3[0].FullyQualifiedErrorId | Should -Be 'StoragePoolNotFound,VirtTools.Commands.ImportVMStorageVolumeCommand'
    }

    It 'the test driver refuses the upload stream, and the half-made volume is deleted' {
        $before = Get-VolumeNames
        Import-VMStorageVolume $Raw -StoragePool $Pool -Name pv-up.raw -ConnectionUri $U -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].Exception.Message | Should -Match 'virStorageVolUpload.*not supported'
        Get-VolumeNames | Should -Be $before
    }
}
