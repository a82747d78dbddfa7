# Import-VHSKernelModule: modprobe through the module seam (scripted), -Persist in modules-load.d.
BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
    $Fq = ',VirtTools.Commands.ImportVHSKernelModuleCommand'
}

AfterAll { Restore-TestHost }

Describe 'Import-VHSKernelModule' {
    AfterEach {
        [VirtTools.Testing.SimulatedKernel]::Uninstall()
    }

    It 'runs modprobe for a module that is not loaded' {
        $runner = Use-ConfigRoot (New-ConfigRoot sles15sp6) @{ 'modprobe vfio-pci' = 0 }
        Import-VHSKernelModule vfio-pci -Confirm:$false
        $runner.Calls | Should -Be @('modprobe vfio-pci')
    }

    It 'does nothing for a loaded module' {
        $runner = Use-ConfigRoot (New-ConfigRoot sles15sp6)
        Import-VHSKernelModule kvm_intel -Confirm:$false
        $runner.Calls | Should -HaveCount 0
    }

    It '-Persist writes /etc/modules-load.d/virttools.conf once and -PassThru shows it' {
        $root = New-ConfigRoot sles15sp6
        Set-RootFile $root /lib/modules/6.4.0-150600.23.25-default/modules.dep ((Get-RootFile $root /lib/modules/6.4.0-150600.23.25-default/modules.dep) + "kernel/drivers/vhost/vhost_net.ko.zst:`n")
        $null = Use-ConfigRoot $root @{ 'modprobe vhost_net' = 0; 'modprobe vhost-net' = 0 }
        $m = Import-VHSKernelModule vhost_net -Persist -PassThru -Confirm:$false
        $m.LoadAtBoot | Should -BeTrue
        $m.LoadAtBootFile | Should -Be '/etc/modules-load.d/virttools.conf'
        Import-VHSKernelModule vhost-net -Persist -Confirm:$false
        (Get-RootFile $root /etc/modules-load.d/virttools.conf) -split "`n" | Where-Object { $_ -eq 'vhost_net' } | Should -HaveCount 1
        (Get-VHSKernelModule vhost_net).LoadAtBoot | Should -BeTrue
    }

    It 'takes names from the pipeline' {
        $runner = Use-ConfigRoot (New-ConfigRoot sles15sp6) @{ 'modprobe vfio_pci' = 0; 'modprobe nouveau' = 0 }
        [pscustomobject]@{ Name = 'vfio_pci' }, 'nouveau' | Import-VHSKernelModule -Confirm:$false
        $runner.Calls | Should -Be @('modprobe vfio_pci', 'modprobe nouveau')
    }

    It 'names the module once in what it asks and reports (no "at boot on vhost_net")' {
        $root = New-ConfigRoot sles15sp6
        Set-RootFile $root /lib/modules/6.4.0-150600.23.25-default/modules.dep ((Get-RootFile $root /lib/modules/6.4.0-150600.23.25-default/modules.dep) + "kernel/drivers/vhost/vhost_net.ko.zst:`n")
        $null = Use-ConfigRoot $root @{ 'modprobe vhost_net' = 0 }
        $v = Import-VHSKernelModule vhost_net -Persist -Confirm:$false -Verbose 4>&1
        $text = ($v | ForEach-Object { "$_" }) -join "`n"
        $text | Should -Match 'Load vhost_net at boot:'
        $text | Should -Not -Match 'vhost_net at boot on vhost_net'
    }

    It '-WhatIf runs and writes nothing' {
        $root = New-ConfigRoot sles15sp6
        $snap = Get-RootSnapshot $root
        $runner = Use-ConfigRoot $root @{ 'modprobe vfio-pci' = 0 }
        Import-VHSKernelModule vfio-pci -Persist -WhatIf
        $runner.Calls | Should -HaveCount 0
        Get-RootSnapshot $root | Should -BeExactly $snap
    }

    It 'refuses a module the kernel does not have, loading and writing nothing: KernelModuleNotFound' {
        $root = New-ConfigRoot sles15sp6
        $snap = Get-RootSnapshot $root
        $runner = Use-ConfigRoot $root
        { Import-VHSKernelModule nosuch -Persist -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "KernelModuleNotFound$Fq"
        $runner.Calls | Should -HaveCount 0
        Get-RootSnapshot $root | Should -BeExactly $snap
    }

    It 'refuses a name that is not a module name: InvalidKernelModuleName' {
        $null = Use-ConfigRoot (New-ConfigRoot sles15sp6)
        { Import-VHSKernelModule 'vfio-pci ids=1' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "InvalidKernelModuleName$Fq"
    }

    It 'reports a failing modprobe: ModuleLoadFailed' {
        $null = Use-ConfigRoot (New-ConfigRoot sles15sp6) @{ 'modprobe vfio-pci' = @(1, '', 'modprobe: ERROR: could not insert vfio_pci: Operation not permitted') }
        { Import-VHSKernelModule vfio-pci -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "ModuleLoadFailed$Fq" -ExpectedMessage '*Operation not permitted*'
    }
}
