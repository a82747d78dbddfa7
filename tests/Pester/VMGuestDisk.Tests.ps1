# The disk cmdlets on libvirt's test driver (test:///default), in process: every offline path, the
# refusals with their ids, -WhatIf, the pipeline from Get-VMGuestDisk, completion and the view. The
# live proof (hot-plug seen by the guest kernel, DVD insert and eject) is in VMGuestDisk.Daemon.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    $U = 'test:///default'
    $Pool = 'default-pool'
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
    # The images live under a private host root: the format probe reads them through VIRTTOOLS_ROOT.
    $script:root = New-TestTempPath 'vt-disk'
    $null = New-Item -ItemType Directory (Join-Path $root img), (Join-Path $root dev)
    [IO.File]::WriteAllBytes((Join-Path $root img/data.qcow2), [byte[]](0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3))
    [IO.File]::WriteAllBytes((Join-Path $root img/data.raw), [byte[]]::new(512))
    [IO.File]::WriteAllBytes((Join-Path $root img/disc.iso), [byte[]]::new(512))
    $env:VIRTTOOLS_ROOT = $root

    function New-TestGuest([string]$Name, [string]$Devices = '', [switch]$Start) {
        $d = $Keep.DefineDomain("<domain type='kvm'><name>$Name</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>" +
            "<os><type arch='x86_64'>hvm</type><boot dev='hd'/></os><devices>" +
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/img/$Name.qcow2'/><target dev='vda' bus='virtio'/></disk>" +
            "<disk type='network' device='disk'><source protocol='rbd' name='rbd/$Name'><host name='mon1' port='6789'/></source><target dev='vdb' bus='virtio'/></disk>" +
            "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>$Devices</devices></domain>", 'None')
        if ($Start) { $d.Start('None') }
        $d.Dispose()
    }
    function Remove-TestGuest([string]$Name) {
        $d = $Keep.FindDomain($Name)
        if ($d) { if ($d.IsActive) { $d.Destroy('Default') }; $d.Undefine('None'); $d.Dispose() }
        $p = $Keep.FindStoragePool($Pool)
        foreach ($v in $p.ListVolumes()) { if ($v.Name -like "$Name-*") { $v.Delete('Normal') }; $v.Dispose() }
        $p.Dispose()
    }
    function Get-Xml([string]$Name, [switch]$Inactive) {
        $d = $Keep.FindDomain($Name)
        try { [xml]$d.GetXml($(if ($Inactive) { 'Inactive' } else { 'None' })) } finally { $d.Dispose() }
    }
    # libvirt keeps disks ordered by bus and target, not by when they came.
    function Get-Targets([string]$Name) { @((Get-Xml $Name -Inactive).domain.devices.disk | ForEach-Object { $_.target.dev } | Sort-Object) -join ' ' }
}

AfterAll {
    $Keep.Dispose()
    Restore-TestHost
    Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue
}

Describe 'The disk cmdlets' {
    It 'are exported with VMGuestDisk output, -WhatIf on the changing ones, High impact for Remove' {
        foreach ($n in 'Get-VMGuestDisk', 'Add-VMGuestDisk', 'Remove-VMGuestDisk', 'Resize-VMGuestDisk', 'Set-VMGuestDvdDrive') {
            $c = Get-Command $n -Module VirtTools
            $c.OutputType.Name | Should -Contain 'VirtTools.VMGuestDisk'
            if ($n -ne 'Get-VMGuestDisk') { $c.Parameters.Keys | Should -Contain 'WhatIf'; $c.Parameters.Keys | Should -Contain 'PassThru' }
        }
        Get-ConfirmImpact Remove-VMGuestDisk | Should -Be 'High'
        Get-ConfirmImpact Add-VMGuestDisk | Should -Be 'Medium'
    }
}

Describe 'Get-VMGuestDisk' {
    BeforeAll { New-TestGuest gd1; New-TestGuest gd2 -Start }
    AfterAll { Remove-TestGuest gd1; Remove-TestGuest gd2 }

    It 'lists every disk with target, bus, device, source (network disks as protocol://host/name) and the boot disk' {
        $d = @(Get-VMGuestDisk gd1 -ConnectionUri $U)
        ($d.Target -join ' ') | Should -BeExactly 'vda vdb sda'
        $d[0].Source | Should -BeExactly '/img/gd1.qcow2'
        $d[0].IsBootDisk | Should -BeTrue
        $d[1].Source | Should -BeExactly 'rbd://mon1:6789/rbd/gd1'
        $d[1].SourceType | Should -BeExactly 'network'
        $d[2].Device | Should -BeExactly 'cdrom'
        $d[2].Source | Should -BeNullOrEmpty
        $d[2].ReadOnly | Should -BeTrue
        $d | ForEach-Object { $_.GuestName | Should -BeExactly 'gd1'; $_.ConnectionUri | Should -BeExactly $U; $_.Live | Should -BeFalse }
        (Get-VMGuest gd1 -ConnectionUri $U).Disks | Should -Contain 'rbd://mon1:6789/rbd/gd1'
    }

    It 'takes names with wildcards, guests from the pipeline, and filters by target and device' {
        @(Get-VMGuestDisk gd* -ConnectionUri $U).Count | Should -Be 6
        @(Get-VMGuest gd2 -ConnectionUri $U | Get-VMGuestDisk).Live | Should -Not -Contain $false
        (@(Get-VMGuestDisk gd1 vd* -ConnectionUri $U).Target -join ' ') | Should -BeExactly 'vda vdb'
        (@(Get-VMGuestDisk gd1 -Device Cdrom -ConnectionUri $U).Target -join ' ') | Should -BeExactly 'sda'
    }

    It 'says which guest does not exist' {
        $err = $null
        Get-VMGuestDisk nope -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'GuestNotFound,VirtTools.Commands.GetVMGuestDiskCommand'
    }

    It 'fits 80 columns as a table and a list, the boot disk marked' {
        $lines = @(((Get-VMGuestDisk gd1 -ConnectionUri $U | Out-String -Width 80) -replace "`e\[[0-9;]*m", '') -split "`r?`n")
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        ($lines | Where-Object { $_ -match '^-' }) | Should -Not -BeNullOrEmpty
        ($lines -match '^Guest\s+Target\s+Bus\s+Device\s+Format\s+Access\s+Source') | Should -HaveCount 1
        ($lines -match '^gd1\s+vda\*\s+virtio\s+disk\s+qcow2\s+rw\s+/img/gd1\.qcow2') | Should -HaveCount 1
        ($lines -match 'sda\s+sata\s+cdrom\s+ro\s+\(empty\)') | Should -HaveCount 1
        $list = @(((Get-VMGuestDisk gd1 vdb -ConnectionUri $U | Format-List | Out-String -Width 80) -replace "`e\[[0-9;]*m", '') -split "`r?`n")
        ($list | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        ($list -match '^Source\s+: rbd://mon1:6789/rbd/gd1') | Should -HaveCount 1
    }

    It 'completes disk targets of the guest already named' {
        $line = "Remove-VMGuestDisk -ConnectionUri $U -Name gd1 -Target v"
        ((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ' ') | Should -BeExactly 'vda vdb'
        $line = "Set-VMGuestDvdDrive -ConnectionUri $U -Name gd1 -Path x -Target "
        ((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText -join ' ') | Should -BeExactly 'sda'
    }
}

Describe 'Add-VMGuestDisk' {
    BeforeEach { New-TestGuest ad1 }
    AfterEach { Remove-TestGuest ad1 }

    It 'attaches an image on the next free target with its probed format, and a new volume after it' {
        $d = Add-VMGuestDisk ad1 /img/data.qcow2 -ReadOnly -Shareable -ConnectionUri $U -PassThru
        $d.Target | Should -BeExactly 'vdc'
        $d.Format | Should -BeExactly 'qcow2'
        $d.ReadOnly | Should -BeTrue
        $d.Shareable | Should -BeTrue
        $n = Add-VMGuestDisk ad1 -NewSizeBytes 8MB -StoragePool $Pool -ConnectionUri $U -PassThru
        $n.Target | Should -BeExactly 'vdd'
        $n.Source | Should -BeExactly "/$Pool/ad1-vdd.qcow2"
        $s = Add-VMGuestDisk ad1 /img/data.raw -Bus sata -ConnectionUri $U -PassThru
        $s.Target | Should -BeExactly 'sdb'
        $s.Format | Should -BeExactly 'raw'
        Get-Targets ad1 | Should -BeExactly 'sda sdb vda vdb vdc vdd'
    }

    It '-WhatIf changes nothing' {
        $before = (Get-Xml ad1 -Inactive).OuterXml
        Add-VMGuestDisk ad1 -NewSizeBytes 8MB -StoragePool $Pool -ConnectionUri $U -WhatIf
        (Get-Xml ad1 -Inactive).OuterXml | Should -Be $before
        $p = $Keep.FindStoragePool($Pool); $p.FindVolume('ad1-vdc.qcow2') | Should -BeNullOrEmpty; $p.Dispose()
    }

    It 'refuses <Id> with its category, before any change' -ForEach @(
        @{ Id = 'DiskNotFound'; Params = @{ Path = '/img/missing.qcow2' }; Category = 'ObjectNotFound' }
        @{ Id = 'DiskAlreadyAttached'; Params = @{ Path = '/img/ad1.qcow2' }; Category = 'ResourceExists' }
        @{ Id = 'StoragePoolNotFound'; Params = @{ NewSizeBytes = 1GB; StoragePool = 'nope' }; Category = 'ObjectNotFound' }
        @{ Id = 'InvalidDiskSize'; Params = @{ NewSizeBytes = 4KB; StoragePool = 'default-pool' }; Category = 'InvalidArgument' }
        @{ Id = 'GuestNotRunning'; Params = @{ Path = '/img/data.raw'; Live = $true }; Category = 'InvalidOperation' }
    ) {
        # /img/ad1.qcow2 is the guest's own disk: made real here so that only the duplicate is refused.
        [IO.File]::WriteAllBytes((Join-Path $root img/ad1.qcow2), [byte[]]::new(16))
        $before = (Get-Xml ad1 -Inactive).OuterXml
        $err = $null
        Add-VMGuestDisk ad1 -ConnectionUri $U @Params -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,VirtTools.Commands.AddVMGuestDiskCommand"
        $err[0].CategoryInfo.Category | Should -Be $Category
        $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        (Get-Xml ad1 -Inactive).OuterXml | Should -Be $before
    }

    It 'a running guest whose driver cannot hot-plug: libvirt''s refusal, and the volume made for it is gone' {
        New-TestGuest ad2 -Start
        try {
            $err = $null
            Add-VMGuestDisk ad2 -NewSizeBytes 8MB -StoragePool $Pool -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'DiskAttachRefused,VirtTools.Commands.AddVMGuestDiskCommand'
            $err[0].Exception.Message | Should -BeLike '*hot-plug disk vdc*were undone*'
            $p = $Keep.FindStoragePool($Pool); $p.FindVolume('ad2-vdc.qcow2') | Should -BeNullOrEmpty; $p.Dispose()
        }
        finally { Remove-TestGuest ad2 }
    }
}

Describe 'Remove-VMGuestDisk and Resize-VMGuestDisk' {
    BeforeEach { New-TestGuest rd1; $null = Add-VMGuestDisk rd1 -NewSizeBytes 2MB -StoragePool $Pool -ConnectionUri $U }
    AfterEach { Remove-TestGuest rd1 }

    It 'takes disks from Get-VMGuestDisk by property name; -RemoveStorage deletes the volume' {
        $gone = Get-VMGuestDisk rd1 vdc -ConnectionUri $U | Remove-VMGuestDisk -RemoveStorage -Confirm:$false -PassThru
        $gone.Target | Should -BeExactly 'vdc'
        Get-Targets rd1 | Should -BeExactly 'sda vda vdb'
        $p = $Keep.FindStoragePool($Pool); $p.FindVolume('rd1-vdc.qcow2') | Should -BeNullOrEmpty; $p.Dispose()
    }

    It '-WhatIf removes nothing' {
        Get-VMGuestDisk rd1 vdc -ConnectionUri $U | Remove-VMGuestDisk -RemoveStorage -WhatIf
        Get-Targets rd1 | Should -BeExactly 'sda vda vdb vdc'
    }

    It 'refuses a missing target, and the boot disk of a running guest without -Force' {
        $err = $null
        Remove-VMGuestDisk rd1 vdz -ConnectionUri $U -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DiskTargetNotFound,VirtTools.Commands.RemoveVMGuestDiskCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $d = $Keep.FindDomain('rd1'); $d.Start('None'); $d.Dispose()
        Remove-VMGuestDisk rd1 vda -Persistent -ConnectionUri $U -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'BootDiskInUse,VirtTools.Commands.RemoveVMGuestDiskCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        Get-Targets rd1 | Should -BeExactly 'sda vda vdb vdc'
        Remove-VMGuestDisk rd1 vda -Persistent -Force -ConnectionUri $U -Confirm:$false -WarningAction SilentlyContinue
        Get-Targets rd1 | Should -BeExactly 'sda vdb vdc'
    }

    It 'Resize refuses a shrink (data loss), says when the size is already right, and grows through the volume (-WhatIf here)' {
        $err = $null
        Get-VMGuestDisk rd1 vdc -ConnectionUri $U | Resize-VMGuestDisk -SizeBytes 1MB -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DiskShrinkRefused,VirtTools.Commands.ResizeVMGuestDiskCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Resize-VMGuestDisk rd1 vdc 2MB -ConnectionUri $U -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -BeLike '*already 2 MiB*'
        Resize-VMGuestDisk rd1 vdc 4MB -ConnectionUri $U -WhatIf
        $p = $Keep.FindStoragePool($Pool); $v = $p.FindVolume('rd1-vdc.qcow2'); $v.CapacityBytes | Should -Be 2MB; $v.Dispose(); $p.Dispose()
        Resize-VMGuestDisk rd1 vda 4MB -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DiskNotInStoragePool,VirtTools.Commands.ResizeVMGuestDiskCommand'
        Resize-VMGuestDisk rd1 sda 4MB -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DiskNotResizable,VirtTools.Commands.ResizeVMGuestDiskCommand'
    }
}

Describe 'Set-VMGuestDvdDrive' {
    BeforeEach { New-TestGuest dv1 }
    AfterEach { Remove-TestGuest dv1 }

    It 'inserts an ISO into the first DVD drive and ejects it with -Path $null' {
        $d = Set-VMGuestDvdDrive dv1 /img/disc.iso -ConnectionUri $U -PassThru
        $d.Target | Should -BeExactly 'sda'
        $d.Source | Should -BeExactly '/img/disc.iso'
        (Get-Xml dv1 -Inactive).domain.devices.disk[2].source.file | Should -BeExactly '/img/disc.iso'
        (Set-VMGuestDvdDrive dv1 $null -ConnectionUri $U -PassThru).Source | Should -BeNullOrEmpty
        (Get-Xml dv1 -Inactive).domain.devices.disk[2].source | Should -BeNullOrEmpty
    }

    It '-WhatIf inserts nothing; a missing ISO and a guest without a drive are refused' {
        Set-VMGuestDvdDrive dv1 /img/disc.iso -ConnectionUri $U -WhatIf
        (Get-Xml dv1 -Inactive).domain.devices.disk[2].source | Should -BeNullOrEmpty
        $err = $null
        Set-VMGuestDvdDrive dv1 /img/none.iso -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CdromNotFound,VirtTools.Commands.SetVMGuestDvdDriveCommand'
        Set-VMGuestDvdDrive dv1 /img/disc.iso -Target vda -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'DvdDriveNotFound,VirtTools.Commands.SetVMGuestDvdDriveCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
