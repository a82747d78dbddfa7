# Set-VMGuest and the VMGuest view on libvirt's test driver (test:///default), in process. The live
# proof (balloon, vCPU hot-plug, Restart-VMGuest's wait) is in VMGuest.Daemon.Tests.ps1.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    $U = 'test:///default'
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)

    function New-TestGuest([string]$Name, [switch]$Start) {
        $d = $Keep.DefineDomain("<domain type='qemu'><name>$Name</name><memory unit='MiB'>1024</memory>" +
            "<currentMemory unit='MiB'>128</currentMemory><vcpu current='1'>4</vcpu><os><type arch='i686'>hvm</type></os></domain>", 'None')
        if ($Start) { $d.Start('None') }
        $d.Dispose()
    }
    function Remove-TestGuest([string]$Name) {
        $d = $Keep.FindDomain($Name)
        if ($d) { if ($d.IsActive) { $d.Destroy('Default') }; $d.Undefine('None'); $d.Dispose() }
    }
    function Get-Xml([string]$Name, [switch]$Inactive) {
        $d = $Keep.FindDomain($Name)
        try { [xml]$d.GetXml($(if ($Inactive) { 'Inactive' } else { 'None' })) } finally { $d.Dispose() }
    }
}

AfterAll { $Keep.Dispose() }

Describe 'Set-VMGuest' {
    BeforeEach { New-TestGuest sg1 -Start }
    AfterEach { Remove-TestGuest sg1; Remove-TestGuest sg1-new }

    It 'is exported, Medium impact, with -WhatIf, -PassThru, -Live/-Persistent in their own sets and VMGuest output' {
        $c = Get-Command Set-VMGuest
        $c.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'Medium'
        $c.Parameters.Keys | Should -Contain 'WhatIf'
        $c.Parameters.Keys | Should -Contain 'PassThru'
        $c.OutputType.Name | Should -Contain 'VirtTools.VMGuest'
        { Set-VMGuest sg1 -ConnectionUri $U -MemoryBytes 64MB -Live -Persistent } | Should -Throw -ErrorId 'AmbiguousParameterSet*'
    }

    It 'changes a running guest live and in its definition' {
        $g = Set-VMGuest sg1 -ConnectionUri $U -MemoryBytes 256MB -ProcessorCount 2 -Description 'front end' -PassThru
        $g.MemoryBytes | Should -Be 256MB
        $g.ProcessorCount | Should -Be 2
        $g.MaximumProcessorCount | Should -Be 4
        $g.Description | Should -Be 'front end'
        $x = Get-Xml sg1 -Inactive
        $x.domain.currentMemory.'#text' | Should -Be '262144'
        $x.domain.vcpu.current | Should -Be '2'
        $x.domain.description | Should -Be 'front end'
    }

    It '-Live leaves the definition, -Persistent the running guest (with a next-boot warning)' {
        Set-VMGuest sg1 -ConnectionUri $U -MemoryBytes 64MB -Live
        (Get-Xml sg1).domain.currentMemory.'#text' | Should -Be '65536'
        (Get-Xml sg1 -Inactive).domain.currentMemory.'#text' | Should -Be '131072'
        Set-VMGuest sg1 -ConnectionUri $U -ProcessorCount 3 -Persistent -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -BeLike '*next boot*'
        (Get-Xml sg1).domain.vcpu.current | Should -Be '1'
        (Get-Xml sg1 -Inactive).domain.vcpu.current | Should -Be '3'
    }

    It 'a new maximum on a running guest warns that it waits for the next boot' {
        Set-VMGuest sg1 -ConnectionUri $U -MaximumMemoryBytes 2GB -WarningVariable w -WarningAction SilentlyContinue
        $w | Should -BeLike '*maximum memory becomes 2 GiB at the next boot*'
        (Get-Xml sg1 -Inactive).domain.memory.'#text' | Should -Be '2097152'
        (Get-Xml sg1).domain.memory.'#text' | Should -Be '1048576'
    }

    It 'renames a shut-off guest and sets autostart; piped guests bind by name and connection' {
        $d = $Keep.FindDomain('sg1'); $d.Destroy('Default'); $d.Dispose()
        $g = Get-VMGuest sg1 -ConnectionUri $U | Set-VMGuest -NewName sg1-new -AutoStart -PassThru
        $g.Name | Should -Be 'sg1-new'
        $g.Autostart | Should -BeTrue
        Get-VMGuest sg1 -ConnectionUri $U -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Set-VMGuest sg1-new -ConnectionUri $U -AutoStart:$false -PassThru).Autostart | Should -BeFalse
    }

    It '-WhatIf changes nothing' {
        $before = (Get-Xml sg1 -Inactive).OuterXml, (Get-Xml sg1).OuterXml
        Set-VMGuest sg1 -ConnectionUri $U -MemoryBytes 256MB -ProcessorCount 2 -Description x -AutoStart -WhatIf | Should -BeNullOrEmpty
        ((Get-Xml sg1 -Inactive).OuterXml, (Get-Xml sg1).OuterXml) | Should -Be $before
    }

    It 'refuses <Id> before any change, with advice' -ForEach @(
        @{ Id = 'MemoryAboveMaximum'; Params = @{ MemoryBytes = 2GB } }
        @{ Id = 'MemoryAboveHost'; Params = @{ MaximumMemoryBytes = 1PB } }
        @{ Id = 'ProcessorCountAboveMaximum'; Params = @{ ProcessorCount = 5 } }
        @{ Id = 'ProcessorCountAboveHost'; Params = @{ MaximumProcessorCount = 100000 } }
        @{ Id = 'InvalidMemorySize'; Params = @{ MemoryBytes = 0 } }
        @{ Id = 'InvalidProcessorCount'; Params = @{ ProcessorCount = 0 } }
        @{ Id = 'RenameNeedsShutOff'; Params = @{ NewName = 'sg1-new' } }
        @{ Id = 'GuestNameInUse'; Params = @{ NewName = 'test' }; Off = $true }
        @{ Id = 'NoSettingGiven'; Params = @{} }
        @{ Id = 'MaximumNeedsRestart'; Params = @{ MaximumProcessorCount = 2; Live = $true } }
    ) {
        if ($Off) { $d = $Keep.FindDomain('sg1'); $d.Destroy('Default'); $d.Dispose() }
        $before = (Get-Xml sg1 -Inactive).OuterXml, (Get-Xml sg1).OuterXml
        $err = $null
        Set-VMGuest sg1 -ConnectionUri $U @Params -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,VirtTools.Commands.SetVMGuestCommand"
        $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $err[0].TargetObject | Should -Be 'sg1'
        ((Get-Xml sg1 -Inactive).OuterXml, (Get-Xml sg1).OuterXml) | Should -Be $before
    }

    It 'one refused guest does not stop the next' {
        New-TestGuest sg1-new
        $err = $null
        # sg1-new is shut off: -Live has nothing to change there; sg1 still changes.
        Set-VMGuest sg1-new, sg1 -ConnectionUri $U -MemoryBytes 256MB -Live -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].TargetObject | Should -Be 'sg1-new'
        (Get-Xml sg1).domain.currentMemory.'#text' | Should -Be '262144'
    }
}

Describe 'VMGuest objects' {
    BeforeAll {
        'sles15-web-frontend-01', 'sles15-web-frontend-02', 'sles15-web-frontend-03' | ForEach-Object { New-TestGuest $_ }
    }
    AfterAll { 'sles15-web-frontend-01', 'sles15-web-frontend-02', 'sles15-web-frontend-03' | ForEach-Object { Remove-TestGuest $_ } }

    It 'are read-only: setting a property is an error, not a silent no-op' {
        $g = Get-VMGuest sles15-web-frontend-01 -ConnectionUri $U
        { $g.MemoryBytes = 4GB } | Should -Throw -ExpectedMessage '*ReadOnly*'
        { $g.Name = 'x' } | Should -Throw
        $g.MemoryBytes | Should -Be 128MB
    }

    It 'show current vCPUs and memory beside their maximums' {
        $g = Get-VMGuest sles15-web-frontend-01 -ConnectionUri $U
        $g.ProcessorCount | Should -Be 1
        $g.MaximumProcessorCount | Should -Be 4
        $g.MaximumMemoryBytes | Should -Be 1GB
    }

    It 'the table at <_> columns prints each whole name, memory in MiB and CPU as current/maximum' -ForEach 80, 120 {
        $text = (Get-VMGuest sles15-* -ConnectionUri $U | Out-String -Width $_) -replace "`e\[[0-9;]*m", ''
        $lines = @($text -split "`r?`n")
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual $_
        foreach ($n in 1..3) { $text | Should -Match "sles15-web-frontend-0$n " }
        $text | Should -Match '128 MiB\s+1/4'
        $text | Should -Not -Match '0\.13'
    }

    It 'a long name still fits 80 columns, and the list view shows the maximums' {
        $long = 'a-guest-name-that-is-rather-long-for-any-table-column-0001'
        New-TestGuest $long
        try {
            $lines = @(((Get-VMGuest a-guest-* -ConnectionUri $U | Out-String -Width 80) -replace "`e\[[0-9;]*m", '') -split "`r?`n")
            ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
            $list = (Get-VMGuest $long -ConnectionUri $U | Format-List | Out-String -Width 80) -replace "`e\[[0-9;]*m", ''
            $list | Should -Match 'Memory\s+: 128 MiB \(maximum 1 GiB\)'
            $list | Should -Match 'Processors\s+: 1 \(maximum 4\)'
        }
        finally { Remove-TestGuest $long }
    }

    It 'name each disk with its target and each NIC with its MAC and model, in the properties and the list view' {
        $d = $Keep.DefineDomain("<domain type='qemu'><name>vg-devices</name><memory unit='MiB'>128</memory><os><type arch='i686'>hvm</type></os><devices>" +
            "<disk type='file' device='disk'><source file='/var/lib/libvirt/images/vg-devices.qcow2'/><target dev='vda' bus='virtio'/></disk>" +
            "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>" +
            "<interface type='network'><mac address='52:54:00:AB:CD:01'/><source network='default'/><model type='virtio'/></interface>" +
            "<interface type='bridge'><mac address='52:54:00:ab:cd:02'/><source bridge='br0'/></interface>" +
            "</devices></domain>", 'None')
        $d.Dispose()
        try {
            $g = Get-VMGuest vg-devices -ConnectionUri $U
            $g.DiskDrives | Should -Be @('vda: /var/lib/libvirt/images/vg-devices.qcow2', 'sda (cdrom): (empty)')
            $g.NetworkAdapters | Should -Be @('network:default 52:54:00:ab:cd:01 virtio', 'bridge:br0 52:54:00:ab:cd:02 (default model)')
            { $g.DiskDrives = @() } | Should -Throw -ExpectedMessage '*ReadOnly*'
            $list = ($g | Format-List | Out-String -Width 80) -replace "`e\[[0-9;]*m", ''
            $list | Should -Match 'Disks\s+: vda: /var/lib/libvirt/images/vg-devices\.qcow2\s+sda \(cdrom\): \(empty\)'
            $list | Should -Match 'NetworkAdapters\s+: network:default 52:54:00:ab:cd:01 virtio\s+bridge:br0 52:54:00:ab:cd:02'
        }
        finally { Remove-TestGuest vg-devices }
    }
}
