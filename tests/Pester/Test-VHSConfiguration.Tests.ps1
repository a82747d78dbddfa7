# Test-VHSConfiguration: configured versus live on copies of tests/fixtures/hostconfig, and read-only on the live root.
BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
}

AfterAll { Restore-TestHost }

Describe 'Test-VHSConfiguration' {
    AfterEach {
        [VirtTools.Testing.SimulatedKernel]::Uninstall()
    }

    It 'declares ConfigurationItem and bool output' {
        $types = (Get-Command Test-VHSConfiguration).OutputType.Name
        $types | Should -Contain 'VirtTools.ConfigurationItem'
        $types | Should -Contain 'System.Boolean'
    }

    It 'after Set-VHSKernelParameter, before the reboot: PendingReboot; after it: InSync' {
        $root = New-ConfigRoot sles15sp6
        Set-RootFile $root /boot/grub2/grub.cfg "menuentry 'SLES' {`n`tlinux`t/boot/vmlinuz quiet intel_iommu=on`n}`n"
        $null = Use-ConfigRoot $root @{ 'grub2-mkconfig -o /boot/grub2/grub.cfg' = 0 }
        Set-VHSKernelParameter intel_iommu on -Confirm:$false -WarningAction SilentlyContinue
        $i = Test-VHSConfiguration -Category KernelParameter | Where-Object Item -eq 'intel_iommu'
        $i.Status | Should -Be 'PendingReboot'
        $i.Configured | Should -Be 'on'
        Set-RootFile $root /proc/cmdline ((Get-RootFile $root /proc/cmdline).TrimEnd() + " intel_iommu=on`n")
        (Test-VHSConfiguration KernelParameter | Where-Object Item -eq 'intel_iommu').Status | Should -Be 'InSync'
    }

    It 'reports a menu that was never regenerated as Drift (pain 16)' {
        $root = New-ConfigRoot sles15sp6
        Set-RootFile $root /boot/grub2/grub.cfg "menuentry 'SLES' {`n`tlinux`t/boot/vmlinuz quiet`n}`n"
        Set-RootFile $root /etc/default/grub ((Get-RootFile $root /etc/default/grub).Replace('n8"', 'n8 iommu=pt"'))
        $null = Use-ConfigRoot $root
        $i = Test-VHSConfiguration KernelParameter | Where-Object Item -eq 'iommu'
        $i.Status | Should -Be 'Drift'
        $i.Remedy | Should -Match 'grub2-mkconfig'
    }

    It 'compares module options, loads, driverctl overrides and VF counts' {
        $root = New-ConfigRoot sles15sp6
        Set-RootFile $root /etc/driverctl.d/pci-0000:0a:00.0 "vfio-pci`n"
        Set-RootFile $root /etc/udev/rules.d/70-virttools-sriov.rules "ACTION==`"bind`", SUBSYSTEM==`"pci`", KERNEL==`"0000:0b:00.0`", ATTR{sriov_numvfs}=`"4`"`n"
        $null = Use-ConfigRoot $root
        $all = @(Test-VHSConfiguration)
        ($all | Where-Object Item -eq 'kvm_intel nested').Status | Should -Be 'PendingReboot'
        ($all | Where-Object { $_.Category -eq 'ModuleLoad' -and $_.Item -eq 'vfio_pci' }).Status | Should -Be 'Drift'
        ($all | Where-Object Category -eq 'DriverOverride').Status | Should -Be 'Drift'
        ($all | Where-Object Category -eq 'SriovVfCount').Configured | Should -Be '4'
        @(Test-VHSConfiguration -Category ModuleLoad).Category | Sort-Object -Unique | Should -Be 'ModuleLoad'
    }

    It '-Quiet gives one bool' {
        $root = New-ConfigRoot debian12
        $null = Use-ConfigRoot $root
        $q = @(Test-VHSConfiguration -Quiet)
        $q | Should -HaveCount 1
        $q[0] | Should -BeTrue
        Set-RootFile $root /etc/default/grub ((Get-RootFile $root /etc/default/grub) + "`nGRUB_CMDLINE_LINUX=`"iommu=pt`"`n")
        Test-VHSConfiguration -Quiet | Should -BeFalse
    }

    It 'refuses an unknown category' {
        { Test-VHSConfiguration -Category Nope -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,VirtTools.Commands.TestVHSConfigurationCommand'
    }

    It 'only reads: on the live root it creates none of the files VirtTools writes' {
        [VirtTools.Testing.SimulatedKernel]::Uninstall()
        $env:VIRTTOOLS_ROOT = $null
        $paths = '/etc/modprobe.d/virttools.conf', '/etc/modules-load.d/virttools.conf', '/etc/default/grub.virttools-backup',
            '/etc/kernel/cmdline.virttools-backup', '/etc/modprobe.d/virttools-vfio.conf', '/etc/dracut.conf.d/90-virttools-vfio.conf'
        $before = $paths | ForEach-Object { Test-Path -LiteralPath $_ }
        $items = @(Test-VHSConfiguration -WarningAction SilentlyContinue)
        $items | ForEach-Object { $_ | Should -BeOfType ([VirtTools.ConfigurationItem]) }
        ($paths | ForEach-Object { Test-Path -LiteralPath $_ }) | Should -Be $before
    }
}
