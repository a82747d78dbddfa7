# Move-VMGuest's pre-flight checks on libvirt's test driver (in process): the source is
# test:///default, the destination a second test-driver "host" from a file (test:///PATH has its own
# state). Real moves, progress and Ctrl+C run against two real daemons in
# tests/VirtTools.Migration.Tests.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    . (Join-Path $PSScriptRoot Support/GuestSnapshots.ps1)
    Open-TestDriver
    $Fq = ',VirtTools.Commands.MoveVMGuestCommand'
    $dir = Join-Path ([IO.Path]::GetTempPath()) "vt-move-$([guid]::NewGuid().ToString('n'))"
    $null = New-Item -ItemType Directory $dir
    # the destination host already has a guest called mv-taken, and a running dir pool for /var/lib/libvirt/images
    Set-Content (Join-Path $dir dest.xml) ("<node><domain type='test'><name>mv-taken</name><memory>131072</memory><os><type>hvm</type></os></domain>" +
        "<pool type='dir'><name>images</name><target><path>/var/lib/libvirt/images</path></target></pool></node>")
    $Dest = "test://$dir/dest.xml"
}

AfterAll {
    Close-TestDriver
    Remove-Item -Recurse -Force $dir
}

Describe 'Move-VMGuest' {
    AfterEach { 'mv-ok', 'mv-disk', 'mv-dev', 'mv-snap', 'mv-taken', 'mv-off' | ForEach-Object { Remove-TestGuest $_ } }

    It 'declares both outputs and supports -WhatIf' {
        $c = Get-Command Move-VMGuest
        $c.OutputType.Name | Should -Contain 'VirtTools.VMGuestMigration'
        $c.OutputType.Name | Should -Contain 'VirtTools.VMGuest'
        $c.Parameters.ContainsKey('WhatIf') | Should -BeTrue
    }

    It 'refuses <Case> with the fix, before any data moves' -ForEach @(
        @{ Case = 'PCI host devices'; Guest = 'mv-dev'; Devices = "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='3' slot='0' function='1'/></source></hostdev>"; Id = 'MigrationWithHostDevice'; Fix = 'Remove-VMGuestHostDevice' }
        @{ Case = 'a VF given as a hostdev interface'; Guest = 'mv-vf'; Devices = "<interface type='hostdev' managed='yes'><mac address='52:54:00:6d:90:02'/><source><address type='pci' domain='0x0000' bus='0x08' slot='0x10' function='0x1'/></source></interface>"; Id = 'MigrationWithHostDevice'; Fix = 'Remove-VMGuestHostDevice' }
        @{ Case = 'local disks without -CopyStorage'; Guest = 'mv-disk'; Devices = $null; Id = 'MigrationLocalDisks'; Fix = '-CopyStorage' }
        @{ Case = 'snapshots'; Guest = 'mv-snap'; Devices = ''; Snapshot = $true; Id = 'MigrationWithSnapshots'; Fix = '-IncludeSnapshots' }
        @{ Case = 'a name already defined at the destination'; Guest = 'mv-taken'; Devices = ''; Id = 'MigrationNameTaken'; Fix = 'Remove-VMGuest' }
    ) {
        if ($null -eq $Devices) { $null = New-TestGuest $Guest } else { $null = New-TestGuest $Guest -Devices $Devices }
        if ($Snapshot) { Checkpoint-VMGuest $Guest s1 -ConnectionUri $TestUri }
        Move-VMGuest $Guest $Dest -ConnectionUri $TestUri -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be "$Id$Fq"
        $e[0].ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape($Fix))
        $e[0].TargetObject | Should -Be $Guest
        $script:TestConn.FindDomain($Guest).IsActive | Should -BeTrue
    }

    It '-IncludeSnapshots passes the snapshot check, and -WhatIf leaves the snapshots where they are' {
        $null = New-TestGuest mv-snap -Devices ''
        Checkpoint-VMGuest mv-snap s1 -ConnectionUri $TestUri
        Move-VMGuest mv-snap $Dest -ConnectionUri $TestUri -IncludeSnapshots -WhatIf -ErrorVariable e -ErrorAction SilentlyContinue
        $e | Should -BeNullOrEmpty
        (Get-VMGuestSnapshot mv-snap -ConnectionUri $TestUri).Name | Should -Be 's1'
        Get-VMGuest mv-snap -ConnectionUri $Dest -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses a live move of a stopped guest and -Offline of a running one' {
        $null = New-TestGuest mv-off -Devices '' -Stopped
        Move-VMGuest mv-off $Dest -ConnectionUri $TestUri -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "MigrationGuestNotRunning$Fq"
        $null = New-TestGuest mv-ok -Devices ''
        Move-VMGuest mv-ok $Dest -ConnectionUri $TestUri -Offline -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be "MigrationOfflineGuestRunning$Fq"
    }

    It 'says why a destination cannot be reached, with libvirt''s message' {
        $null = New-TestGuest mv-ok -Devices ''
        Move-VMGuest mv-ok 'qemu+unix:///system?socket=/nonexistent/vt-sock' -ConnectionUri $TestUri -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "MigrationDestinationUnreachable$Fq"
        $e[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $e[0].Exception.Message | Should -Match '/nonexistent/vt-sock'
    }

    It '-WhatIf moves nothing; -CopyStorage lifts the local-disk refusal' {
        $null = New-TestGuest mv-disk
        Move-VMGuest mv-disk $Dest -ConnectionUri $TestUri -CopyStorage -WhatIf -ErrorVariable e | Should -BeNullOrEmpty
        $e | Should -BeNullOrEmpty
        $script:TestConn.FindDomain('mv-disk').IsActive | Should -BeTrue
    }

    It '-CopyStorage asks the destination''s storage first: -Verbose says which pool creates each image' {
        $null = New-TestGuest mv-disk -Devices ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/mv-disk.qcow2'/><target dev='vda'/></disk>" +
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/srv/vm/mv-disk-data.qcow2'/><target dev='vdb'/></disk>")
        $v = Move-VMGuest mv-disk $Dest -ConnectionUri $TestUri -CopyStorage -WhatIf -Verbose 4>&1 | ForEach-Object Message
        $v | Should -Contain "-CopyStorage vda (/var/lib/libvirt/images/mv-disk.qcow2): libvirt creates it in the destination's pool 'images'"
        $v | Should -Contain '-CopyStorage vdb (/srv/vm/mv-disk-data.qcow2): no destination pool knows this path: the image must exist there already'
    }

    It 'passes libvirt''s own refusal through and leaves the guest where it was' {
        # the test driver has no migration at all
        $null = New-TestGuest mv-ok -Devices ''
        Move-VMGuest mv-ok $Dest -ConnectionUri $TestUri -Bandwidth 10 -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].Exception.Message | Should -Match 'virDomainMigrate3'
        $script:TestConn.FindDomain('mv-ok').IsActive | Should -BeTrue
    }
}

Describe 'VMGuestMigration' {
    It 'renders its figures in 80 columns' {
        $m = [VirtTools.VMGuestMigration]@{ Name = 'db01'; Mode = 'Live'; TotalTime = [timespan]::FromSeconds(2.41); Downtime = [timespan]::FromMilliseconds(71)
            DataTransferredBytes = 137363456; MemoryIterations = 3; DestinationUri = 'qemu+ssh://root@vhs02/system'; SourceUri = 'qemu:///system' }
        $lines = ($m | Format-Table | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^Name\s+Mode\s+Total\(s\)\s+Downtime\(ms\)\s+Sent\(MiB\)\s+Passes\s+Destination'
        $lines[2] | Should -Match '^db01\s+Live\s+2\.41\s+71\s+131\.0\s+3\s+qemu\+ssh'
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
    }
}
