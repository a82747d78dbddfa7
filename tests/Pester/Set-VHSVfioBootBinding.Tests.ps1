# Set-VHSVfioBootBinding on copies of tests/fixtures/hostconfig with a PCI tree (symlinks: outside $TestDrive).
BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
    $Fq = ',VirtTools.Commands.SetVHSVfioBootBindingCommand'

    # An NVMe on vfio-pci with driverctl's persistent override; its host driver (nvme) is a module.
    function New-BindingRoot([string] $Fixture) {
        $root = New-ConfigRoot $Fixture
        $tree = [VirtTools.Testing.SysfsTreeBuilder]::new($root)
        $spec = [VirtTools.Testing.PciSpec]@{ Address = '0000:04:00.0'; Vendor = '144d'; Device = 'a808'; Class = '010802'; Driver = 'vfio-pci' }
        $null = $tree.Pci($spec)
        $release = (Get-RootFile $root /proc/sys/kernel/osrelease).Trim()
        Set-RootFile $root "/lib/modules/$release/modules.alias" "alias pci:v*d*sv*sd*bc01sc08i02* nvme`n"
        Set-RootFile $root /etc/driverctl.d/pci-0000:04:00.0 "vfio-pci`n"
        $root
    }
}

AfterAll { Restore-TestHost }

Describe 'Set-VHSVfioBootBinding' {
    AfterEach {
        [VirtTools.Testing.SimulatedKernel]::Uninstall()
    }

    It 'declares PciDevice output and binds Address by property name' {
        $c = Get-Command Set-VHSVfioBootBinding
        $c.OutputType.Name | Should -Contain 'VirtTools.PciDevice'
        $c.Parameters['Address'].Attributes.ValueFromPipelineByPropertyName | Should -Contain $true
    }

    It 'writes the softdep and dracut config for every persisted device and runs dracut -f' {
        $root = New-BindingRoot sles15sp6
        $runner = Use-ConfigRoot $root @{ 'dracut -f' = 0 }
        Set-VHSVfioBootBinding -Confirm:$false -WarningAction SilentlyContinue
        Get-RootFile $root /etc/modprobe.d/virttools-vfio.conf | Should -Match '(?m)^softdep nvme pre: vfio-pci$'
        Get-RootFile $root /etc/dracut.conf.d/90-virttools-vfio.conf | Should -Match 'add_drivers\+=" vfio vfio_iommu_type1 vfio_pci "'
        (Get-RootFile $root /etc/modprobe.d/virttools-vfio.conf) + (Get-RootFile $root /etc/dracut.conf.d/90-virttools-vfio.conf) | Should -Not -Match 'ids='
        $runner.Calls | Should -Be @('dracut -f')
    }

    It 'takes addresses from Get-PciDevice by property name and -PassThru returns them' {
        $root = New-BindingRoot sles15sp6
        $null = Use-ConfigRoot $root @{ 'dracut -f' = 0 }
        $d = Get-PciDevice 0000:04:00.0 | Set-VHSVfioBootBinding -Confirm:$false -PassThru -WarningAction SilentlyContinue
        $d.Address | Should -Be '0000:04:00.0'
    }

    It 'is a no-op the second time' {
        $root = New-BindingRoot sles15sp6
        $runner = Use-ConfigRoot $root @{ 'dracut -f' = 0 }
        Set-VHSVfioBootBinding -Confirm:$false -WarningAction SilentlyContinue
        Set-VHSVfioBootBinding -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        $runner.Calls | Should -HaveCount 1
        # Said without -Verbose: a silent second run read as a change made.
        ($w -join "`n") | Should -Match '^Nothing to do: softdep nvme pre: vfio-pci is already configured'
    }

    It 'warns that there is nothing to do when no device has a persistent override' {
        $root = New-BindingRoot sles15sp6
        Remove-Item (Join-Path $root etc/driverctl.d/pci-0000:04:00.0)
        $runner = Use-ConfigRoot $root @{ 'dracut -f' = 0 }
        Set-VHSVfioBootBinding -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -Match '^Nothing to do: no device has a persistent pass-through override'
        $runner.Calls | Should -HaveCount 0
    }

    It 'rebuilds with transactional-update initrd on a transactional host' {
        $root = New-ConfigRoot slemicro55
        Set-RootFile $root /proc/sys/kernel/osrelease "5.14.21-150500.55.65-default`n"
        $tree = [VirtTools.Testing.SysfsTreeBuilder]::new($root)
        $null = $tree.Pci([VirtTools.Testing.PciSpec]@{ Address = '0000:04:00.0'; Vendor = '144d'; Device = 'a808'; Class = '010802'; Driver = 'vfio-pci' })
        Set-RootFile $root /lib/modules/5.14.21-150500.55.65-default/modules.alias "alias pci:v*d*sv*sd*bc01sc08i02* nvme`n"
        Set-RootFile $root /etc/driverctl.d/pci-0000:04:00.0 "vfio-pci`n"
        $runner = Use-ConfigRoot $root @{ 'transactional-update --continue initrd' = 0 }
        Set-VHSVfioBootBinding 0000:04:00.0 -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        $runner.Calls | Should -Be @('transactional-update --continue initrd')
        "$w" | Should -Match 'new snapshot'
    }

    It '-WhatIf writes and runs nothing' {
        $root = New-BindingRoot sles15sp6
        $snap = Get-RootSnapshot $root
        $runner = Use-ConfigRoot $root @{ 'dracut -f' = 0 }
        Set-VHSVfioBootBinding -WhatIf
        Get-RootSnapshot $root | Should -BeExactly $snap
        $runner.Calls | Should -HaveCount 0
    }

    It 'restores the files when dracut fails: RegenerationFailed' {
        $root = New-BindingRoot sles15sp6
        $snap = Get-RootSnapshot $root
        $null = Use-ConfigRoot $root @{ 'dracut -f' = @(1, '', 'dracut: Cannot find module directory') }
        { Set-VHSVfioBootBinding -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "RegenerationFailed$Fq" -ExpectedMessage '*Cannot find module directory*'
        Get-RootSnapshot $root | Should -BeExactly $snap
    }

    It 'refuses a device without a persistent override: NotPersistentlyBound' {
        $root = New-BindingRoot sles15sp6
        Remove-Item (Join-Path $root etc/driverctl.d/pci-0000:04:00.0)
        $null = Use-ConfigRoot $root
        { Set-VHSVfioBootBinding 0000:04:00.0 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "NotPersistentlyBound$Fq"
    }

    It 'refuses a malformed address: InvalidPciAddress' {
        $null = Use-ConfigRoot (New-BindingRoot sles15sp6)
        { Set-VHSVfioBootBinding 'zz:99' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "InvalidPciAddress$Fq"
    }
}
