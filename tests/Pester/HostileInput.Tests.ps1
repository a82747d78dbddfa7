# Hostile input (issue 21, item 5): text that would split a configuration line, escape a directory, break
# XML or reach a shell is refused before anything is written, with one VirtTools error id. Host
# configuration runs on a copy of tests/fixtures/hostconfig/sles15sp6 with scripted programs (a program
# call would show in the runner), guests on libvirt's test driver.
BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
    $U = 'test:///default'
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)

    # Runs the block; returns the first error's id (terminating or not) without the class part.
    function Get-FirstErrorId([scriptblock] $Block) {
        try { $all = & $Block -ErrorAction Continue -WarningAction SilentlyContinue 2>&1 }
        catch { return ($_.FullyQualifiedErrorId -split ',')[0] }
        $first = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]
        if ($null -eq $first) { return $null }
        ($first.FullyQualifiedErrorId -split ',')[0]
    }
}

AfterAll {
    $Keep.Dispose()
    Restore-TestHost
}

Describe 'Host configuration refuses hostile text and writes nothing' {
    BeforeEach {
        $root = New-ConfigRoot sles15sp6
        $runner = Use-ConfigRoot $root @{}
        $before = Get-TreeSnapshot $root
    }
    AfterEach { [VirtTools.Testing.SimulatedKernel]::Uninstall() }

    It '<Case> is refused with <Id>' -ForEach @(
        @{ Case = 'a parameter name ending in a newline'; Id = 'InvalidKernelParameter'; Run = { Set-VHSKernelParameter -Name "intel_iommu`n" -Value on -Confirm:$false @args } }
        @{ Case = 'a parameter name with a newline inside'; Id = 'InvalidKernelParameter'; Run = { Set-VHSKernelParameter -Name "quiet`nGRUB_X=1" -Confirm:$false @args } }
        @{ Case = 'a parameter name 5000 characters long'; Id = 'InvalidKernelParameter'; Run = { Set-VHSKernelParameter -Name ('a' * 5000) -Confirm:$false @args } }
        @{ Case = 'a parameter value with $()'; Id = 'InvalidKernelParameterValue'; Run = { Set-VHSKernelParameter -Name iommu -Value '$(reboot)' -Confirm:$false @args } }
        @{ Case = 'a parameter value with a quote'; Id = 'InvalidKernelParameterValue'; Run = { Set-VHSKernelParameter -Name iommu -Value 'pt"' -Confirm:$false @args } }
        @{ Case = 'a parameter value with a semicolon'; Id = 'InvalidKernelParameterValue'; Run = { Set-VHSKernelParameter -Name iommu -Value 'pt;id' -Confirm:$false @args } }
        @{ Case = 'a parameter value with a NUL'; Id = 'InvalidKernelParameterValue'; Run = { Set-VHSKernelParameter -Name iommu -Value "pt`0" -Confirm:$false @args } }
        @{ Case = 'a parameter value 3000 characters long'; Id = 'InvalidKernelParameterValue'; Run = { Set-VHSKernelParameter -Name iommu -Value ('p' * 3000) -Confirm:$false @args } }
        @{ Case = 'a removal of a name with a newline'; Id = 'InvalidKernelParameter'; Run = { Remove-VHSKernelParameter -Name "quiet`n" -Confirm:$false @args } }
        @{ Case = 'a module name ending in a newline'; Id = 'InvalidKernelModuleName'; Run = { Set-VHSKernelModuleOption -Name "kvm`n" -Option nested=1 -Confirm:$false @args } }
        @{ Case = 'a module name with a path'; Id = 'InvalidKernelModuleName'; Run = { Set-VHSKernelModuleOption -Name '../../etc/passwd' -Option nested=1 -Confirm:$false @args } }
        @{ Case = 'a module name 100 characters long'; Id = 'InvalidKernelModuleName'; Run = { Import-VHSKernelModule -Name ('m' * 100) -Persist -Confirm:$false @args } }
        @{ Case = 'a module option with a newline'; Id = 'InvalidKernelModuleOption'; Run = { Set-VHSKernelModuleOption -Name kvm -Option "nested=1`ninstall kvm /bin/sh" -Confirm:$false @args } }
        @{ Case = 'a module option name ending in a newline'; Id = 'InvalidKernelModuleOption'; Run = { Set-VHSKernelModuleOption -Name kvm -Option "nested`n=1" -Confirm:$false @args } }
        @{ Case = 'a module option with a backtick'; Id = 'InvalidKernelModuleOption'; Run = { Set-VHSKernelModuleOption -Name kvm -Option 'nested=`id`' -Confirm:$false @args } }
    ) {
        Get-FirstErrorId $Run | Should -Be $Id
        Get-TreeSnapshot $root | Should -BeExactly $before
        $runner.Calls | Should -BeNullOrEmpty
    }
}

Describe 'A host root that is missing, a file or bare' {
    AfterEach { $env:VIRTTOOLS_ROOT = $null }

    It '<Cmd> fails with HostRootNotFound on a root that <Case>' -ForEach @(
        foreach ($case in @(@{ Case = 'does not exist'; Root = '/nonexistent-virttools-root' }, @{ Case = 'is a file'; Root = '/etc/hostname' })) {
            foreach ($cmd in 'Get-PciDevice', 'Get-IommuGroup', 'Get-VHSCapability', 'Test-VHSRequirement', 'Get-VHSKernelParameter',
                'Get-VHSKernelModule', 'Test-VHSConfiguration') {
                @{ Case = $case.Case; Root = $case.Root; Cmd = $cmd; Run = [scriptblock]::Create("$cmd @args") }
            }
            @{ Case = $case.Case; Root = $case.Root; Cmd = 'Set-VHSKernelParameter'; Run = { Set-VHSKernelParameter -Name iommu -Value pt -WhatIf @args } }
            @{ Case = $case.Case; Root = $case.Root; Cmd = 'Enable-VHSIommu'; Run = { Enable-VHSIommu -WhatIf @args } }
            @{ Case = $case.Case; Root = $case.Root; Cmd = 'Import-VHSKernelModule'; Run = { Import-VHSKernelModule -Name vfio -WhatIf @args } }
        }
    ) {
        $env:VIRTTOOLS_ROOT = $Root
        Get-FirstErrorId $Run | Should -Be 'HostRootNotFound'
    }

    It 'a bare root gets one warning from every cmdlet and a change is refused' {
        $root = New-TestTempPath 'vt-bare-root'
        $null = New-Item -ItemType Directory $root
        $env:VIRTTOOLS_ROOT = $root
        foreach ($cmd in 'Get-PciDevice', 'Get-VHSCapability', 'Test-VHSRequirement', 'Get-VHSKernelModule') {
            $w = $null
            $null = & $cmd -WarningVariable w -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
            @($w | Where-Object { "$_" -match 'holds none of' }).Count | Should -Be 1 -Because $cmd
        }
        Get-FirstErrorId { Set-VHSKernelModuleOption -Name kvm -Option nested=1 -Confirm:$false @args } | Should -Be 'HostRootEmpty'
        @(Get-ChildItem -Force $root).Count | Should -Be 0
    }
}

Describe 'Guests and snapshots refuse hostile names before libvirt is asked' {
    BeforeAll {
        # A guest without disks: the test driver's own 'test' has a raw disk, which no snapshot takes.
        $null = New-VMGuest hv-snap -MemoryBytes 128MB -ConnectionUri $U -WarningAction SilentlyContinue
    }
    AfterAll { Remove-VMGuest hv-snap -ConnectionUri $U -Confirm:$false -ErrorAction SilentlyContinue }

    It '<Case> is refused with <Id> and defines nothing' -ForEach @(
        @{ Case = 'a guest name ending in a newline'; Id = 'InvalidGuestName'; Params = @{ Name = "hv1`n" } }
        @{ Case = 'a guest name with a control character'; Id = 'InvalidGuestName'; Params = @{ Name = "hv1`a"; NewDiskSizeBytes = 1GB } }
        @{ Case = 'a guest name with a path'; Id = 'InvalidGuestName'; Params = @{ Name = '../hv1' } }
        @{ Case = 'a guest name 300 characters long'; Id = 'InvalidGuestName'; Params = @{ Name = 'g' * 300 } }
        @{ Case = 'a bridge name with a path'; Id = 'InvalidBridgeName'; Params = @{ Name = 'hv1'; Bridge = 'br0/../../x' } }
        @{ Case = 'a bridge name longer than IFNAMSIZ'; Id = 'InvalidBridgeName'; Params = @{ Name = 'hv1'; Bridge = 'bridge-with-long-name' } }
        @{ Case = 'a kernel that does not exist'; Id = 'KernelNotFound'; Params = @{ Name = 'hv1'; Kernel = '/nonexistent/vmlinuz' } }
        @{ Case = 'an initrd that does not exist'; Id = 'KernelNotFound'; Params = @{ Name = 'hv1'; Kernel = '/etc/hostname'; Initrd = '/nonexistent/initrd' } }
    ) {
        Get-FirstErrorId { New-VMGuest @Params -ConnectionUri $U @args } | Should -Be $Id
        @($Keep.ListDomains() | Where-Object { $_.Name -like '*hv1*' }).Count | Should -Be 0
    }

    It 'a snapshot name that <Case> is refused with <Id>' -ForEach @(
        @{ Case = 'ends in a newline'; Id = 'InvalidSnapshotName'; Snap = "s1`n" }
        @{ Case = 'holds a control character'; Id = 'InvalidSnapshotName'; Snap = "s`u{1}1" }
        @{ Case = 'holds a slash'; Id = 'InvalidSnapshotName'; Snap = 'a/b' }
    ) {
        Get-FirstErrorId { Checkpoint-VMGuest hv-snap -SnapshotName $Snap -ConnectionUri $U -Confirm:$false @args } | Should -Be $Id
        @(Get-VMGuestSnapshot hv-snap -ConnectionUri $U | Where-Object Name -ne 'hi-existing').Count | Should -Be 0
    }

    It 'a snapshot name in use is refused by -WhatIf too, not only by the real run' {
        $null = Checkpoint-VMGuest hv-snap -SnapshotName hi-existing -ConnectionUri $U -Confirm:$false
        Get-FirstErrorId { Checkpoint-VMGuest hv-snap -SnapshotName hi-existing -ConnectionUri $U -WhatIf @args } | Should -Be 'SnapshotExists'
        Remove-VMGuestSnapshot hv-snap hi-existing -ConnectionUri $U -Confirm:$false
    }

    It 'a snapshot object with no name is an error with an id, not a .NET exception' {
        $s = [VirtTools.VMGuestSnapshot]::new()
        $s.Guest = 'hv-snap'
        $s.Name = $null
        $s.ConnectionUri = $U
        Get-FirstErrorId { $s | Restore-VMGuestSnapshot -Confirm:$false @args } | Should -Be 'InvalidSnapshotName'
    }
}
