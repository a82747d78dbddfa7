# Get-VHSKernelModule on the module state of tests/fixtures/hostconfig/sles15sp6.
BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
    $Fq = ',VirtTools.Commands.GetVHSKernelModuleCommand'
    $root = New-ConfigRoot sles15sp6
    $null = Use-ConfigRoot $root
}

AfterAll { Restore-TestHost }

Describe 'Get-VHSKernelModule' {
    It 'declares KernelModuleInfo output' {
        (Get-Command Get-VHSKernelModule).OutputType.Name | Should -Contain 'VirtTools.KernelModuleInfo'
    }

    It 'lists loaded and configured modules without -Name' {
        $all = @(Get-VHSKernelModule)
        $all.Name | Should -Contain 'kvm_intel'
        $all.Name | Should -Contain 'vfio_pci'
        ($all | Where-Object Name -eq 'vfio_pci').State | Should -Be 'Available'
    }

    It 'shows live parameters beside configured options (Y/N as the kernel reports it)' {
        $kvm = Get-VHSKernelModule -Name kvm-intel
        $kvm.Name | Should -Be 'kvm_intel'
        $kvm.State | Should -Be 'Loaded'
        $kvm.Parameters['nested'] | Should -Be 'N'
        $kvm.ConfiguredOptions['nested'] | Should -Be '1'
    }

    It 'tells built in, blacklisted and load-at-boot' {
        (Get-VHSKernelModule ext4).State | Should -Be 'BuiltIn'
        (Get-VHSKernelModule nouveau).Blacklisted | Should -BeTrue
        (Get-VHSKernelModule vfio-pci).LoadAtBootFile | Should -Be '/etc/modules-load.d/vfio.conf'
    }

    It 'expands wildcards over installed modules and takes names from the pipeline' {
        @(Get-VHSKernelModule 'vfio*').Name | Should -Be @('vfio', 'vfio_iommu_type1', 'vfio_pci', 'vfio_pci_core')
        @([pscustomobject]@{ Name = 'kvm' }, 'e1000e' | Get-VHSKernelModule).Name | Should -Be @('kvm', 'e1000e')
    }

    It 'writes KernelModuleNotFound for a module this kernel does not have' {
        $r = @(Get-VHSKernelModule nosuch -ErrorAction SilentlyContinue -ErrorVariable problems)
        $r | Should -HaveCount 0
        $problems[0].FullyQualifiedErrorId | Should -BeExactly "KernelModuleNotFound$Fq"
    }
}
