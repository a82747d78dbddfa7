# Set-VHSKernelModuleOption: modprobe.d with -Persist, a reload otherwise (scripted modprobe), never while guests run.
BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
    $Fq = ',VirtTools.Commands.SetVHSKernelModuleOptionCommand'
}

AfterAll { Restore-TestHost }

Describe 'Set-VHSKernelModuleOption' {
    AfterEach {
        [VirtTools.Testing.SimulatedKernel]::Uninstall()
    }

    It 'is High impact and declares KernelModuleOptionState' {
        $c = Get-Command Set-VHSKernelModuleOption
        Get-ConfirmImpact Set-VHSKernelModuleOption | Should -Be 'High'
        $c.OutputType.Name | Should -Contain 'VirtTools.KernelModuleOptionState'
    }

    It '-Persist writes /etc/modprobe.d/virttools.conf and says a reload is needed' {
        $root = New-ConfigRoot sles15sp6
        $runner = Use-ConfigRoot $root
        $r = Set-VHSKernelModuleOption -Name kvm_intel -Option enable_apicv=0 -Persist -Confirm:$false -WarningAction SilentlyContinue
        Get-RootFile $root /etc/modprobe.d/virttools.conf | Should -Match "(?m)^options kvm_intel enable_apicv=0$"
        $r.ReloadRequired | Should -BeTrue
        $r.Running | Should -Be 'Y'
        $r.Configured | Should -Be '0'
        $runner.Calls | Should -HaveCount 0
    }

    It '-Persist is a no-op when modprobe.d already has the value' {
        $root = New-ConfigRoot sles15sp6
        $snap = Get-RootSnapshot $root
        $null = Use-ConfigRoot $root
        $r = Set-VHSKernelModuleOption kvm_intel nested=1 -Persist -Confirm:$false -WarningAction SilentlyContinue
        Get-RootSnapshot $root | Should -BeExactly $snap
        $r.ReloadRequired | Should -BeTrue
    }

    It 'reloads the module with the option when no guest runs' {
        $root = New-ConfigRoot sles15sp6
        $runner = Use-ConfigRoot $root @{ 'modprobe -r kvm_intel' = 0; 'modprobe kvm_intel nested=1' = 0 }
        Set-VHSKernelModuleOption kvm_intel nested=1 -Confirm:$false -WarningAction SilentlyContinue
        $runner.Calls | Should -Be @('modprobe -r kvm_intel', 'modprobe kvm_intel nested=1')
    }

    It 'refuses to reload kvm_intel while QEMU runs: GuestsRunning' {
        $root = New-ConfigRoot sles15sp6
        Set-RootFile $root /proc/3131/comm "qemu-system-x86`n"
        $runner = Use-ConfigRoot $root @{ 'modprobe -r kvm_intel' = 0; 'modprobe kvm_intel nested=1' = 0 }
        { Set-VHSKernelModuleOption kvm_intel nested=1 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "GuestsRunning$Fq" -ExpectedMessage '*3131 (qemu-system-x86)*'
        $runner.Calls | Should -HaveCount 0
    }

    It 'takes -Option as a hashtable of names and values, booleans as 1/0' {
        $root = New-ConfigRoot sles15sp6
        $null = Use-ConfigRoot $root
        $r = Set-VHSKernelModuleOption kvm_intel @{ enable_apicv = $false; ple_gap = 0 } -Persist -Confirm:$false -WarningAction SilentlyContinue
        Get-RootFile $root /etc/modprobe.d/virttools.conf | Should -Match '(?m)^options kvm_intel .*\benable_apicv=0\b.*\bple_gap=0\b'
        @($r.Option) | Should -Be @('enable_apicv', 'ple_gap')
        Get-RootFile $root /etc/modprobe.d/virttools.conf | Should -Not -Match 'Hashtable'
    }

    It 'keeps the order of an [ordered] hashtable and mixes with NAME=VALUE strings' {
        $root = New-ConfigRoot sles15sp6
        $null = Use-ConfigRoot $root
        $r = Set-VHSKernelModuleOption kvm_intel @([ordered]@{ ple_window = 4096; ple_gap = 128 }, 'enable_apicv=0') -Persist -Confirm:$false -WarningAction SilentlyContinue
        @($r.Option) | Should -Be @('ple_window', 'ple_gap', 'enable_apicv')
        @($r.Value) | Should -Be @('4096', '128', '0')
    }

    It 'never mentions a .NET type name when -Option is not a name/value pair' {
        $root = New-ConfigRoot sles15sp6
        $snap = Get-RootSnapshot $root
        $null = Use-ConfigRoot $root
        $e = $null
        try { Set-VHSKernelModuleOption kvm_intel @{ nested = 'two words' } -Persist -Confirm:$false -ErrorAction Stop } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -Be "InvalidKernelModuleOption$Fq"
        "$e" | Should -Match "'nested=two words'"
        "$e" | Should -Not -Match 'System\.'
        Get-RootSnapshot $root | Should -BeExactly $snap
    }

    It 'takes Name and Option from the pipeline by property name' {
        $root = New-ConfigRoot sles15sp6
        $null = Use-ConfigRoot $root
        [pscustomobject]@{ Name = 'vfio_iommu_type1'; Option = 'dma_entry_limit=100000' } | Set-VHSKernelModuleOption -Persist -Confirm:$false -WarningAction SilentlyContinue
        Get-RootFile $root /etc/modprobe.d/virttools.conf | Should -Match 'options vfio_iommu_type1 dma_entry_limit=100000'
    }

    It '-WhatIf writes and runs nothing' {
        $root = New-ConfigRoot sles15sp6
        $snap = Get-RootSnapshot $root
        $runner = Use-ConfigRoot $root @{ 'modprobe -r kvm_intel' = 0; 'modprobe kvm_intel nested=1' = 0 }
        $null = Set-VHSKernelModuleOption kvm_intel enable_apicv=0 -Persist -WhatIf
        $null = Set-VHSKernelModuleOption kvm_intel nested=1 -WhatIf
        Get-RootSnapshot $root | Should -BeExactly $snap
        $runner.Calls | Should -HaveCount 0
    }

    It 'refuses <Option>: InvalidKernelModuleOption' -ForEach @(@{ Option = 'nested=1 x' }, @{ Option = 'nested="1"' }, @{ Option = '=1' }) {
        $root = New-ConfigRoot sles15sp6
        $snap = Get-RootSnapshot $root
        $null = Use-ConfigRoot $root
        { Set-VHSKernelModuleOption kvm_intel $Option -Persist -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "InvalidKernelModuleOption$Fq"
        Get-RootSnapshot $root | Should -BeExactly $snap
    }

    It 'refuses a built-in module and points to the kernel command line: KernelModuleBuiltIn' {
        $null = Use-ConfigRoot (New-ConfigRoot sles15sp6)
        { Set-VHSKernelModuleOption ext4 foo=1 -Persist -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "KernelModuleBuiltIn$Fq"
    }

    It 'refuses a module that does not exist: KernelModuleNotFound' {
        $null = Use-ConfigRoot (New-ConfigRoot sles15sp6)
        { Set-VHSKernelModuleOption nosuch foo=1 -Persist -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "KernelModuleNotFound$Fq"
    }
}
