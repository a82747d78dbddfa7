# Checkpoint-VMGuest on libvirt's test driver (in process). The real QEMU daemon with a qcow2 disk is
# covered by tests/VirtTools.Migration.Tests (SnapshotTests).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    . (Join-Path $PSScriptRoot Support/GuestSnapshots.ps1)
    Open-TestDriver
    $Fq = ',VirtTools.Commands.CheckpointVMGuestCommand'
}

AfterAll { Close-TestDriver }

Describe 'Checkpoint-VMGuest' {
    BeforeEach { $null = New-TestGuest cp1 }
    AfterEach { Remove-TestGuest cp1; Remove-TestGuest cp-raw; Remove-TestGuest cp-xen; Remove-TestGuest cp-dev }

    It 'is Medium impact, supports -WhatIf and declares its output' {
        $c = Get-Command Checkpoint-VMGuest
        $c.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'Medium'
        $c.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        $c.OutputType.Name | Should -Contain 'VirtTools.VMGuestSnapshot'
    }

    It 'takes a named snapshot with its memory and returns it with -PassThru' {
        $s = Checkpoint-VMGuest cp1 first -Description 'before' -ConnectionUri $TestUri -PassThru
        $s.PSObject.TypeNames[0] | Should -Be 'VirtTools.VMGuestSnapshot'
        $s.Guest | Should -Be 'cp1'
        $s.Name | Should -Be 'first'
        $s.Description | Should -Be 'before'
        $s.State | Should -Be 'running'
        $s.HasMemory | Should -BeTrue
        $s.IsCurrent | Should -BeTrue
        $s.ConnectionUri | Should -Be $TestUri
        ((Get-Date) - $s.CreationTime).TotalMinutes | Should -BeLessThan 5
    }

    It 'names an unnamed snapshot after the time and binds guests from the pipeline by property name' {
        [pscustomobject]@{ Name = 'cp1'; ConnectionUri = $TestUri } | Checkpoint-VMGuest
        [pscustomobject]@{ Name = 'cp1'; ConnectionUri = $TestUri } | Checkpoint-VMGuest
        $names = (Get-VMGuestSnapshot cp1 -ConnectionUri $TestUri).Name
        $names.Count | Should -Be 2
        $names[0] | Should -Match '^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$'
        $names[1] | Should -Match '^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d(-2)?$'
    }

    It '-WhatIf takes nothing' {
        Checkpoint-VMGuest cp1 x -ConnectionUri $TestUri -WhatIf
        Get-VMGuestSnapshot cp1 -ConnectionUri $TestUri | Should -BeNullOrEmpty
    }

    It 'refuses a name the guest already has' {
        Checkpoint-VMGuest cp1 same -ConnectionUri $TestUri
        Checkpoint-VMGuest cp1 same -ConnectionUri $TestUri -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "SnapshotExists$Fq"
        $e[0].CategoryInfo.Category | Should -Be 'ResourceExists'
    }

    It 'refuses <Case> before libvirt is asked' -ForEach @(
        @{ Case = 'a raw disk'; Guest = 'cp-raw'; Type = 'test'; Devices = "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/images/r.img'/><target dev='vda'/></disk>"; Id = 'SnapshotDiskNotQcow2'; Fix = 'qemu-img convert' }
        @{ Case = 'a running guest with a PCI host device'; Guest = 'cp-dev'; Type = 'test'; Devices = "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='3' slot='0' function='0'/></source></hostdev>"; Id = 'SnapshotWithHostDevice'; Fix = 'Remove-VMGuestHostDevice' }
    ) {
        $null = New-TestGuest $Guest -Devices $Devices
        Checkpoint-VMGuest $Guest s -ConnectionUri $TestUri -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "$Id$Fq"
        $e[0].ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape($Fix))
        $e[0].TargetObject | Should -Be $Guest
        $script:TestConn.FindDomain($Guest).ListSnapshots(0).Count | Should -Be 0
    }

    It 'refuses a Xen guest (libxl has no snapshot API)' {
        $null = $script:TestConn.DefineDomain("<domain type='xen'><name>cp-xen</name><memory unit='MiB'>128</memory><os><type arch='i686'>hvm</type></os></domain>", 0)
        Checkpoint-VMGuest cp-xen s -ConnectionUri $TestUri -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "SnapshotXenUnsupported$Fq"
        $e[0].CategoryInfo.Category | Should -Be 'NotImplemented'
    }

    It 'reports a guest that does not exist' {
        Checkpoint-VMGuest nosuch -ConnectionUri $TestUri -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "GuestNotFound$Fq"
    }
}
