# Get-/New-/Remove-VMStoragePool and Get-/New-/Remove-VMStorageVolume on libvirt's test driver
# (test:///default, its dir pool 'default-pool' at /default-pool), with host paths under VIRTTOOLS_ROOT.
# What a real daemon writes on disk (qemu-img's view of a volume) is proven in VMNetworkPool.Daemon.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    $U = 'test:///default'
    $Root = New-TestTempPath 'vt-vmstor'
    $null = New-Item -ItemType Directory (Join-Path $Root srv/images), (Join-Path $Root etc)
    Set-Content (Join-Path $Root srv/afile) 'a file'
    $env:VIRTTOOLS_ROOT = $Root
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)

    function Get-PoolNames { $Keep.ListStoragePools() | ForEach-Object { $_.Name; $_.Dispose() } | Sort-Object }
    function Get-VolumeNames([string]$Pool) { $p = $Keep.FindStoragePool($Pool); try { $p.ListVolumes() | ForEach-Object { $_.Name; $_.Dispose() } | Sort-Object } finally { $p.Dispose() } }
    function Remove-TestStorage {
        foreach ($d in $Keep.ListDomains('All')) { if ($d.Name -like 'ps-*') { if ($d.IsActive) { $d.Destroy('Default') }; $d.Undefine('None') }; $d.Dispose() }
        foreach ($p in $Keep.ListStoragePools()) {
            if ($p.Name -like 'ps-*') { if ($p.IsActive) { $p.Stop() }; if ($p.IsPersistent) { $p.Undefine() } }
            elseif ($p.Name -eq 'default-pool') { foreach ($v in $p.ListVolumes()) { if ($v.Name -like 'ps-*') { $v.Delete('Normal') }; $v.Dispose() } }
            $p.Dispose()
        }
    }
    function New-DiskGuest([string]$Name, [string]$Path) {
        $d = $Keep.DefineDomain("<domain type='test'><name>$Name</name><memory unit='MiB'>128</memory><os><type arch='i686'>hvm</type></os>" +
            "<devices><disk type='file' device='disk'><source file='$Path'/><target dev='vda'/></disk></devices></domain>", 'None')
        $d.Start('None'); $d.Dispose()
    }
}

AfterAll {
    Remove-TestStorage
    $Keep.Dispose()
    Restore-TestHost
}

Describe 'Storage pools' {
    AfterEach { Remove-TestStorage }

    It 'Get-VMStoragePool shows the test driver''s pool in a view that fits 80 columns' {
        $p = Get-VMStoragePool default-pool -ConnectionUri $U
        $p | Should -BeOfType VirtTools.VMStoragePool
        $p.Type, $p.Active, $p.Path, $p.CapacityBytes | Should -Be @('dir', $true, '/default-pool', 107374182400)
        $lines = (Get-VMStoragePool -ConnectionUri $U | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $lines[-1] | Should -Match '^default-pool\s+dir\s+True\s+False\s+100\.0\s+100\.0 /default-pool$'
    }

    It 'New-VMStoragePool makes a started, autostarted dir pool; Remove-VMStoragePool removes it' {
        $p = New-VMStoragePool ps-new -Path /srv/images/new -PassThru -ConnectionUri $U
        $p.Type, $p.Active, $p.Autostart, $p.Path | Should -Be @('dir', $true, $true, '/srv/images/new')
        (New-VMStoragePool ps-idle -Path /srv/images/idle -NoAutoStart -PassThru -ConnectionUri $U).Autostart | Should -BeFalse
        $gone = Get-VMStoragePool ps-* -ConnectionUri $U | Remove-VMStoragePool -Confirm:$false -PassThru
        $gone.Name | Should -Be @('ps-idle', 'ps-new')
        Get-PoolNames | Should -Not -Contain 'ps-new'
    }

    It 'declare their confirm impact, and -WhatIf changes nothing' {
        Get-ConfirmImpact Remove-VMStoragePool | Should -Be 'High'
        Get-ConfirmImpact Remove-VMStorageVolume | Should -Be 'High'
        $before = Get-PoolNames
        New-VMStoragePool ps-what -Path /srv/images/what -WhatIf -ConnectionUri $U
        Remove-VMStoragePool default-pool -DeleteContents -WhatIf -ConnectionUri $U
        Get-PoolNames | Should -Be $before
    }

    It 'New-VMStoragePool refuses <Why> with <Id> and leaves nothing behind' -ForEach @(
        @{ Why = 'a path that is a file'; Id = 'StoragePoolPathIsFile'; Category = 'InvalidArgument'; Name = 'ps-bad'; Path = '/srv/afile' }
        @{ Why = 'a path another pool uses'; Id = 'StoragePoolPathInUse'; Category = 'ResourceExists'; Name = 'ps-bad'; Path = '/default-pool' }
        @{ Why = 'a name in use'; Id = 'StoragePoolNameInUse'; Category = 'ResourceExists'; Name = 'default-pool'; Path = '/srv/images/x' }
        @{ Why = 'a name that is ..'; Id = 'InvalidStoragePoolName'; Category = 'InvalidArgument'; Name = '..'; Path = '/srv/images/x' }
        @{ Why = 'a relative path'; Id = 'InvalidStoragePoolPath'; Category = 'InvalidArgument'; Name = 'ps-bad'; Path = 'images' }
    ) {
        $before = Get-PoolNames
        New-VMStoragePool $Name -Path $Path -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,VirtTools.Commands.NewVMStoragePoolCommand"
        $err[0].CategoryInfo.Category | Should -Be $Category
        Get-PoolNames | Should -Be $before
    }

    It 'New-VMStoragePool -Type Logical names a volume group (default: the pool''s name) whose volumes are raw' {
        $p = New-VMStoragePool ps-vg -Type Logical -PassThru -ConnectionUri $U
        $p.Type, $p.Source, $p.Path, $p.Active | Should -Be @('logical', 'ps-vg', '/dev/ps-vg', $true)
        # The test driver writes no format back for a logical volume (a real daemon's LV has none either): what matters is that no qcow2 was asked for.
        (New-VMStorageVolume ps-vg lv0 -SizeBytes 1GB -PassThru -ConnectionUri $U).Format | Should -BeIn @($null, 'raw')
        New-VMStorageVolume ps-vg lv1 -SizeBytes 1GB -Format Qcow2 -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'StorageVolumeFormatUnsupported,VirtTools.Commands.NewVMStorageVolumeCommand'
        Get-VolumeNames ps-vg | Should -Be 'lv0'
    }

    It 'New-VMStoragePool -Type Netfs mounts SERVER:/export on -Path; -WhatIf says so and makes nothing' {
        New-VMStoragePool ps-nfs -Type Netfs -SourceHost nfs01.example.com -SourcePath /export/images -Path /srv/images/nfs -ConnectionUri $U -WhatIf
        Get-PoolNames | Should -Not -Contain 'ps-nfs'
        $p = New-VMStoragePool ps-nfs -Type Netfs -SourceHost nfs01.example.com -SourcePath /export/images -Path /srv/images/nfs -PassThru -ConnectionUri $U
        $p.Type, $p.Source, $p.Path | Should -Be @('netfs', 'nfs01.example.com:/export/images', '/srv/images/nfs')
        (Get-VMStoragePool ps-nfs -ConnectionUri $U | Format-List | Out-String) | Should -Match 'Source\s+: nfs01\.example\.com:/export/images'
    }

    It 'New-VMStoragePool refuses <Why> with <Id>' -ForEach @(
        @{ Why = 'a dir pool without -Path'; Id = 'StoragePoolPathRequired'; Params = @{ Name = 'ps-nopath' } }
        @{ Why = 'a device that is not one'; Id = 'StoragePoolDeviceNotFound'; Params = @{ Name = 'ps-dev'; Type = 'Logical'; SourceDevice = '/dev/vt-no-such-disk' } }
        @{ Why = 'a server name with a space'; Id = 'InvalidStoragePoolSource'; Params = @{ Name = 'ps-srv'; Type = 'Netfs'; SourceHost = 'nfs 01'; SourcePath = '/x'; Path = '/srv/images/n' } }
        @{ Why = 'a relative export'; Id = 'InvalidStoragePoolSource'; Params = @{ Name = 'ps-exp'; Type = 'Netfs'; SourceHost = 'nfs01'; SourcePath = 'x'; Path = '/srv/images/n' } }
        @{ Why = '-SourceFormat on a dir pool'; Id = 'InvalidStoragePoolSource'; Params = @{ Name = 'ps-fmt'; Path = '/srv/images/f'; SourceFormat = 'Cifs' } }
        @{ Why = '-SourceHost on a logical pool'; Id = 'InvalidStoragePoolSource'; Params = @{ Name = 'ps-mix'; Type = 'Logical'; SourceHost = 'nfs01' } }
    ) {
        $before = Get-PoolNames
        New-VMStoragePool @Params -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,VirtTools.Commands.NewVMStoragePoolCommand"
        Get-PoolNames | Should -Be $before
    }

    It 'Remove-VMStoragePool refuses a pool with a volume a running guest uses, naming both' {
        $null = New-VMStoragePool ps-busy -Path /srv/images/busy -ConnectionUri $U
        $v = New-VMStorageVolume ps-busy disk0.qcow2 -SizeBytes 1GB -PassThru -ConnectionUri $U
        New-DiskGuest ps-guest $v.Path
        Remove-VMStoragePool ps-busy -DeleteContents -Confirm:$false -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'StoragePoolInUse,VirtTools.Commands.RemoveVMStoragePoolCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $err[0].Exception.Message | Should -Match "disk0\.qcow2 \(guest 'ps-guest'\)"
        Get-VolumeNames ps-busy | Should -Be 'disk0.qcow2'
    }
}

Describe 'Storage volumes' {
    AfterEach { Remove-TestStorage }

    It 'New-VMStorageVolume makes qcow2 and raw volumes; Get-VMStorageVolume lists them with their users in 80 columns' {
        $q = New-VMStorageVolume default-pool ps-a.qcow2 -SizeBytes 2GB -PassThru -ConnectionUri $U
        $q | Should -BeOfType VirtTools.VMStorageVolume
        $q.Path, $q.Format, $q.CapacityBytes | Should -Be @('/default-pool/ps-a.qcow2', 'qcow2', 2GB)
        (New-VMStorageVolume default-pool ps-b.img 64MB -Format Raw -PassThru -ConnectionUri $U).Format | Should -Be 'raw'
        New-DiskGuest ps-user $q.Path
        $v = Get-VMStorageVolume default-pool ps-* -ConnectionUri $U
        $v.Name | Should -Be @('ps-a.qcow2', 'ps-b.img')
        $v[0].UsedBy | Should -Be 'ps-user'
        $v[1].UsedBy.Count | Should -Be 0
        $lines = ($v | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $lines[-2] | Should -Match '^default-pool ps-a\.qcow2\s+qcow2\s+2\.0\s+2\.0 ps-user$'
        (Get-VMStoragePool default-pool -ConnectionUri $U | Get-VMStorageVolume -ConnectionUri $U).Name | Should -Contain 'ps-b.img'
    }

    It 'Remove-VMStorageVolume refuses a volume a guest uses, naming it, and deletes one no guest uses' {
        $q = New-VMStorageVolume default-pool ps-used.qcow2 -SizeBytes 1GB -PassThru -ConnectionUri $U
        $null = New-VMStorageVolume default-pool ps-free.qcow2 -SizeBytes 1GB -ConnectionUri $U
        New-DiskGuest ps-owner $q.Path
        Get-VMStorageVolume default-pool ps-* -ConnectionUri $U | Remove-VMStorageVolume -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'StorageVolumeInUse,VirtTools.Commands.RemoveVMStorageVolumeCommand'
        $err[0].Exception.Message | Should -Match "guest 'ps-owner'"
        Get-VolumeNames default-pool | Should -Contain 'ps-used.qcow2'
        Get-VolumeNames default-pool | Should -Not -Contain 'ps-free.qcow2'
    }

    It 'New-VMStorageVolume refuses <Why> with <Id> and makes nothing' -ForEach @(
        @{ Why = 'a name that climbs out of the pool'; Id = 'InvalidStorageVolumeName'; Pool = 'default-pool'; Name = '../ps-out.qcow2'; Size = 1MB }
        @{ Why = 'a name with a slash'; Id = 'InvalidStorageVolumeName'; Pool = 'default-pool'; Name = 'a/ps.qcow2'; Size = 1MB }
        @{ Why = 'a name with NUL'; Id = 'InvalidStorageVolumeName'; Pool = 'default-pool'; Name = "ps`0.qcow2"; Size = 1MB }
        @{ Why = 'a size of 0'; Id = 'InvalidStorageVolumeSize'; Pool = 'default-pool'; Name = 'ps-0.qcow2'; Size = 0 }
        @{ Why = 'a pool that does not exist'; Id = 'StoragePoolNotFound'; Pool = 'ps-none'; Name = 'ps-x.qcow2'; Size = 1MB }
    ) {
        $before = Get-VolumeNames default-pool
        New-VMStorageVolume $Pool $Name -SizeBytes $Size -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,VirtTools.Commands.NewVMStorageVolumeCommand"
        Get-VolumeNames default-pool | Should -Be $before
    }

    It 'a name in use is refused, and -WhatIf makes nothing' {
        $null = New-VMStorageVolume default-pool ps-dup.qcow2 -SizeBytes 1MB -ConnectionUri $U
        New-VMStorageVolume default-pool ps-dup.qcow2 -SizeBytes 1MB -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'StorageVolumeNameInUse,VirtTools.Commands.NewVMStorageVolumeCommand'
        New-VMStorageVolume default-pool ps-what.qcow2 -SizeBytes 1MB -WhatIf -ConnectionUri $U
        Remove-VMStorageVolume default-pool ps-dup.qcow2 -WhatIf -ConnectionUri $U
        Get-VolumeNames default-pool | Should -Be @('ps-dup.qcow2')
    }

    It 'pool and volume names complete with Tab' {
        $line = 'Get-VMStorageVolume -ConnectionUri test:///default -StoragePool def'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'default-pool'
        $null = New-VMStorageVolume default-pool ps-tab.qcow2 -SizeBytes 1MB -ConnectionUri $U
        $line = 'Remove-VMStorageVolume -ConnectionUri test:///default -StoragePool default-pool -Name ps-t'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'ps-tab.qcow2'
    }
}
