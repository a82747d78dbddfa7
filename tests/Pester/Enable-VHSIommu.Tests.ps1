# Enable-VHSIommu: the vendor-correct IOMMU parameters on copies of tests/fixtures/hostconfig.
BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
    $Fq = ',VirtTools.Commands.EnableVHSIommuCommand'
    $mkconfig = 'grub2-mkconfig -o /boot/grub2/grub.cfg'
}

AfterAll { Restore-TestHost }

Describe 'Enable-VHSIommu' {
    AfterEach {
        [VirtTools.Testing.SimulatedKernel]::Uninstall()
    }

    It 'adds intel_iommu=on on Intel, with the 6.8 default-on note, and no iommu=pt unless asked' {
        $root = New-ConfigRoot sles15sp6
        $null = Use-ConfigRoot $root @{ $mkconfig = 0 }
        $r = @(Enable-VHSIommu -Confirm:$false -PassThru -Verbose -WarningAction SilentlyContinue 4>&1)
        ($r | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match '6\.8'
        $settings = $r | Where-Object { $_ -is [VirtTools.KernelParameterSetting] }
        $settings.Name | Should -Be @('intel_iommu')
        Get-RootFile $root /etc/default/grub | Should -Not -Match 'iommu=pt'
    }

    It 'turns intel_iommu=off into on in place and adds iommu=pt with -PassThrough (transactional GRUB)' {
        $root = New-ConfigRoot slemicro55
        $runner = Use-ConfigRoot $root @{ 'transactional-update --continue grub.cfg' = 0 }
        Enable-VHSIommu -PassThrough -Confirm:$false -WarningAction SilentlyContinue
        Get-RootFile $root /etc/default/grub | Should -Match "quiet intel_iommu=on net.ifnames=0 iommu=pt'"
        $runner.Calls | Should -Be @('transactional-update --continue grub.cfg')
    }

    It 'changes nothing on AMD and reports an existing amd_iommu=on' {
        $root = New-ConfigRoot slemicro6
        $snap = Get-RootSnapshot $root
        $runner = Use-ConfigRoot $root
        Enable-VHSIommu -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -Match 'amd_iommu=on is not a valid value'
        Get-RootSnapshot $root | Should -BeExactly $snap
        $runner.Calls | Should -HaveCount 0
    }

    It '-WhatIf writes nothing' {
        $root = New-ConfigRoot sles15sp6
        $snap = Get-RootSnapshot $root
        $runner = Use-ConfigRoot $root @{ $mkconfig = 0 }
        Enable-VHSIommu -PassThrough -WhatIf
        Get-RootSnapshot $root | Should -BeExactly $snap
        $runner.Calls | Should -HaveCount 0
    }

    It 'is a no-op when already configured' {
        $root = New-ConfigRoot sles15sp6
        Set-RootFile $root /etc/default/grub "GRUB_CMDLINE_LINUX_DEFAULT=`"quiet intel_iommu=on`"`n"
        $snap = Get-RootSnapshot $root
        $runner = Use-ConfigRoot $root @{ $mkconfig = 0 }
        Enable-VHSIommu -Confirm:$false
        Get-RootSnapshot $root | Should -BeExactly $snap
        $runner.Calls | Should -HaveCount 0
    }

    It 'reports CpuVendorUnknown without /proc/cpuinfo' {
        $root = New-ConfigRoot sles15sp6
        Remove-Item (Join-Path $root proc/cpuinfo)
        $null = Use-ConfigRoot $root
        { Enable-VHSIommu -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "CpuVendorUnknown$Fq"
    }
}
