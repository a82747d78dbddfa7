# Set-VHSKernelParameter on copies of tests/fixtures/hostconfig with scripted regeneration commands.
BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
    $Fq = ',VirtTools.Commands.SetVHSKernelParameterCommand'
    $mkconfig = 'grub2-mkconfig -o /boot/grub2/grub.cfg'
}

AfterAll { Restore-TestHost }

Describe 'Set-VHSKernelParameter' {
    AfterEach {
        [VirtTools.Testing.SimulatedKernel]::Uninstall()
    }

    It 'supports -WhatIf, is Medium impact and declares KernelParameterSetting' {
        $c = Get-Command Set-VHSKernelParameter
        $c.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        Get-ConfirmImpact Set-VHSKernelParameter | Should -Be 'Medium'
        $c.OutputType.Name | Should -Contain 'VirtTools.KernelParameterSetting'
    }

    It 'edits GRUB_CMDLINE_LINUX_DEFAULT in place, keeps a backup and runs grub2-mkconfig (SLES)' {
        $root = New-ConfigRoot sles15sp6
        $before = Get-RootFile $root /etc/default/grub
        $runner = Use-ConfigRoot $root @{ $mkconfig = 0 }
        $r = Set-VHSKernelParameter -Name intel_iommu -Value on -Confirm:$false -PassThru -WarningAction SilentlyContinue
        $r.Source | Should -Be 'Configured'
        $r.Value | Should -Be 'on'
        $after = Get-RootFile $root /etc/default/grub
        $after | Should -BeExactly ($before.Replace('console=ttyS0,115200n8"', 'console=ttyS0,115200n8 intel_iommu=on"'))
        Get-RootFile $root /etc/default/grub.virttools-backup | Should -BeExactly $before
        $runner.Calls | Should -Be @($mkconfig)
    }

    It 'says that the change takes effect at the next boot' {
        $null = Use-ConfigRoot (New-ConfigRoot debian12) @{ 'update-grub' = 0 }
        Set-VHSKernelParameter iommu pt -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -Match 'next boot'
    }

    It '-WhatIf writes nothing, runs nothing and shows the diff and the command' {
        $root = New-ConfigRoot debian12
        $snap = Get-RootSnapshot $root
        $runner = Use-ConfigRoot $root @{ 'update-grub' = 0 }
        Set-VHSKernelParameter iommu pt -WhatIf
        Get-RootSnapshot $root | Should -BeExactly $snap
        $runner.Calls | Should -HaveCount 0
    }

    It 'takes name and value from the pipeline by property name, with one regeneration for all' {
        $root = New-ConfigRoot sles15sp6
        $runner = Use-ConfigRoot $root @{ $mkconfig = 0 }
        [pscustomobject]@{ Name = 'intel_iommu'; Value = 'on' }, [pscustomobject]@{ Name = 'iommu'; Value = 'pt' } |
            Set-VHSKernelParameter -Confirm:$false -WarningAction SilentlyContinue
        Get-RootFile $root /etc/default/grub | Should -Match 'n8 intel_iommu=on iommu=pt"'
        $runner.Calls | Should -HaveCount 1
    }

    It 'is a no-op when the parameter is already configured' {
        $root = New-ConfigRoot sles15sp6
        $snap = Get-RootSnapshot $root
        $runner = Use-ConfigRoot $root @{ $mkconfig = 0 }
        Set-VHSKernelParameter security apparmor -Confirm:$false
        Get-RootSnapshot $root | Should -BeExactly $snap
        $runner.Calls | Should -HaveCount 0
    }

    It 'runs transactional-update on a transactional host and edits /etc/kernel/cmdline on systemd-boot' {
        $root = New-ConfigRoot slemicro6
        $runner = Use-ConfigRoot $root @{ 'transactional-update --continue run sdbootutil update-all-entries' = 0 }
        Set-VHSKernelParameter iommu pt -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        Get-RootFile $root /etc/kernel/cmdline | Should -Match 'amd_iommu=on iommu=pt\n$'
        "$w" | Should -Match 'new snapshot'
    }

    It 'restores the file and reports the output when the regeneration fails: RegenerationFailed' {
        $root = New-ConfigRoot debian12
        $snap = Get-RootSnapshot $root
        $null = Use-ConfigRoot $root @{ 'update-grub' = @(1, '', 'grub-mkconfig: error: cannot find a GRUB drive for /dev/sda1') }
        { Set-VHSKernelParameter iommu pt -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "RegenerationFailed$Fq" -ExpectedMessage '*cannot find a GRUB drive*'
        # The backup stays as evidence; the configuration itself is as it was.
        Remove-Item (Join-Path $root etc/default/grub.virttools-backup)
        Get-RootSnapshot $root | Should -BeExactly $snap
    }

    It 'refuses a value with <Why>: InvalidKernelParameterValue, nothing written' -ForEach @(
        @{ Value = 'on off'; Why = 'a space' }, @{ Value = '"on"'; Why = 'quotes' }, @{ Value = '$(reboot)'; Why = 'an expansion' }) {
        $root = New-ConfigRoot sles15sp6
        $snap = Get-RootSnapshot $root
        $null = Use-ConfigRoot $root @{ $mkconfig = 0 }
        { Set-VHSKernelParameter intel_iommu $Value -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "InvalidKernelParameterValue$Fq"
        Get-RootSnapshot $root | Should -BeExactly $snap
    }

    It 'refuses a name with "=": InvalidKernelParameter' {
        $null = Use-ConfigRoot (New-ConfigRoot sles15sp6) @{ $mkconfig = 0 }
        { Set-VHSKernelParameter 'intel_iommu=on' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "InvalidKernelParameter$Fq"
    }

    It 'refuses syntax it cannot edit safely: UnsupportedBootConfigSyntax' {
        $root = New-ConfigRoot sles15sp6
        Set-RootFile $root /etc/default/grub "GRUB_CMDLINE_LINUX_DEFAULT=`"`$GRUB_CMDLINE_LINUX_DEFAULT quiet`"`n"
        $snap = Get-RootSnapshot $root
        $null = Use-ConfigRoot $root @{ $mkconfig = 0 }
        { Set-VHSKernelParameter intel_iommu on -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "UnsupportedBootConfigSyntax$Fq"
        Get-RootSnapshot $root | Should -BeExactly $snap
    }

    It 'refuses root= without -Force: KernelParameterGuarded' {
        $null = Use-ConfigRoot (New-ConfigRoot sles15sp6) @{ $mkconfig = 0 }
        { Set-VHSKernelParameter root /dev/sdb2 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "KernelParameterGuarded$Fq"
    }

    It 'names what it found when the boot loader is not supported: BootLoaderNotSupported' {
        $root = New-ConfigRoot
        Set-RootFile $root /etc/os-release "ID=arch`nPRETTY_NAME=`"Arch Linux`"`n"
        Set-RootFile $root /boot/loader/entries/arch.conf "title Arch`n"
        $null = Use-ConfigRoot $root
        { Set-VHSKernelParameter iommu pt -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "BootLoaderNotSupported$Fq" -ExpectedMessage '*Arch Linux*/boot/loader/entries*'
    }
}
