# Remove-VHSKernelParameter on copies of tests/fixtures/hostconfig.
BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
    $Fq = ',VirtTools.Commands.RemoveVHSKernelParameterCommand'
}

AfterAll { Restore-TestHost }

Describe 'Remove-VHSKernelParameter' {
    AfterEach {
        [VirtTools.Testing.SimulatedKernel]::Uninstall()
    }

    It 'removes the argument and one space, keeping the quoting (Debian, single quotes)' {
        $root = New-ConfigRoot debian12
        $before = Get-RootFile $root /etc/default/grub
        $runner = Use-ConfigRoot $root @{ 'update-grub' = 0 }
        Remove-VHSKernelParameter pcie_aspm -Confirm:$false -WarningAction SilentlyContinue
        Get-RootFile $root /etc/default/grub | Should -BeExactly ($before.Replace("'quiet pcie_aspm=off acpi", "'quiet acpi"))
        $runner.Calls | Should -Be @('update-grub')
    }

    It 'removes only the given value: the invalid amd_iommu=on on SLE Micro 6' {
        $root = New-ConfigRoot slemicro6
        $null = Use-ConfigRoot $root @{ 'transactional-update --continue run sdbootutil update-all-entries' = 0 }
        Remove-VHSKernelParameter -Name amd_iommu -Value off -Confirm:$false
        Get-RootFile $root /etc/kernel/cmdline | Should -Match 'amd_iommu=on'
        Remove-VHSKernelParameter -Name amd_iommu -Value on -Confirm:$false -WarningAction SilentlyContinue
        Get-RootFile $root /etc/kernel/cmdline | Should -Match '"Windows 2015"\n$'
    }

    It 'takes names from the pipeline (Get-VHSKernelParameter output)' {
        $root = New-ConfigRoot slemicro55
        $null = Use-ConfigRoot $root @{ 'transactional-update --continue grub.cfg' = 0 }
        Get-VHSKernelParameter -Name net.ifnames -Source Configured | Select-Object Name | Remove-VHSKernelParameter -Confirm:$false -WarningAction SilentlyContinue
        Get-RootFile $root /etc/default/grub | Should -Match "intel_iommu=off'"
    }

    It '-WhatIf writes nothing' {
        $root = New-ConfigRoot debian12
        $snap = Get-RootSnapshot $root
        $runner = Use-ConfigRoot $root @{ 'update-grub' = 0 }
        Remove-VHSKernelParameter quiet -WhatIf
        Get-RootSnapshot $root | Should -BeExactly $snap
        $runner.Calls | Should -HaveCount 0
    }

    It 'is a no-op for a parameter that is not configured' {
        $root = New-ConfigRoot debian12
        $snap = Get-RootSnapshot $root
        $runner = Use-ConfigRoot $root @{ 'update-grub' = 0 }
        Remove-VHSKernelParameter intel_iommu -Confirm:$false
        Get-RootSnapshot $root | Should -BeExactly $snap
        $runner.Calls | Should -HaveCount 0
    }

    It 'refuses root without -Force: KernelParameterGuarded' {
        $null = Use-ConfigRoot (New-ConfigRoot slemicro6)
        { Remove-VHSKernelParameter root -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "KernelParameterGuarded$Fq"
    }
}
