# Test-VHSRequirement on synthetic roots and recorded trees (tests/fixtures).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1) -Force
    Add-Type -Path (Join-Path $PSScriptRoot ../VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
    $savedRoot = $env:VIRTTOOLS_ROOT

    $intelCpu = "processor`t: 0`nvendor_id`t: GenuineIntel`nmodel name`t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz`nflags`t`t: fpu lm vmx ept`n`n"
    $amdCpu = "processor`t: 0`nvendor_id`t: AuthenticAMD`nmodel name`t: AMD EPYC 7543 32-Core Processor`nflags`t`t: fpu lm svm npt`n`n"

    # Synthetic sysfs trees hold symlink cycles, which runners that walk TestDrive recursively would
    # follow forever; they live in their own temp folder.
    $treeBase = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'vt-req-pester-' + [guid]::NewGuid().ToString('N'))
    function New-HostRoot([string] $Name, [string] $CpuInfo) {
        $tree = [VirtTools.Testing.SysfsTreeBuilder]::new((Join-Path $treeBase $Name))
        $null = $tree.Proc('cpuinfo', $CpuInfo).File('/proc/sys/kernel/osrelease', "6.4.0-150600.23-default`n").EnsureDir('/dev').EnsureDir('/sys/hypervisor')
        $tree
    }

    # A KVM host on which every check that can pass does pass.
    function New-HealthyIntelHost([string] $Name) {
        $tree = New-HostRoot $Name $intelCpu
        $null = $tree.File('/dev/kvm', '').File('/dev/net/tun', '').File('/dev/vhost-net', '').File('/dev/vfio/vfio', '')
        $null = $tree.File('/proc/modules', "kvm_intel 1 0 - Live 0x0`nkvm 1 1 kvm_intel, Live 0x0`nvfio_pci 1 0 - Live 0x0`nvfio 1 1 vfio_pci, Live 0x0`n")
        $null = $tree.File('/sys/module/kvm_intel/parameters/nested', "Y`n")
        $null = $tree.File('/sys/firmware/acpi/tables/DMAR', '')
        $null = $tree.File('/sys/class/iommu/dmar0/intel-iommu/ecap', "f050da`n")
        $null = $tree.File('/sys/fs/cgroup/cgroup.controllers', "cpuset cpu io memory pids`n")
        $null = $tree.File('/proc/cmdline', "root=/dev/sda2 intel_iommu=on iommu=pt`n")
        $null = $tree.Pci('0000:03:00.0').Group('0000:03:00.0', 1)
        $tree
    }
}

AfterAll {
    $env:VIRTTOOLS_ROOT = $savedRoot
    if ([System.IO.Directory]::Exists($treeBase)) { [System.IO.Directory]::Delete($treeBase, $true) }
}

Describe 'Test-VHSRequirement' {
    Context 'command metadata' {
        It 'declares RequirementCheck and bool output' {
            $types = (Get-Command Test-VHSRequirement).OutputType.Name
            $types | Should -Contain 'VirtTools.RequirementCheck'
            $types | Should -Contain 'System.Boolean'
        }

        It 'has the -Hypervisor, -Name and -Quiet parameters' {
            $parameters = (Get-Command Test-VHSRequirement).Parameters
            $parameters.ContainsKey('Hypervisor') | Should -BeTrue
            $parameters.ContainsKey('Name') | Should -BeTrue
            $parameters['Quiet'].SwitchParameter | Should -BeTrue
        }
    }

    Context 'a healthy Intel KVM host' {
        BeforeAll {
            $env:VIRTTOOLS_ROOT = (New-HealthyIntelHost 'healthy').Root
            $checks = @(Test-VHSRequirement)
        }

        It 'streams RequirementCheck objects of the KVM set' {
            ($checks.Count -gt 20) | Should -BeTrue
            $checks[0] | Should -BeOfType ([VirtTools.RequirementCheck])
            @($checks | Where-Object Hypervisor -ne 'KVM') | Should -HaveCount 0
        }

        It 'covers virt-host-validate check <_>' -ForEach @('HardwareVirtualization', 'KvmDevice', 'KvmDeviceAccess', 'VhostNet', 'Tun',
            'CgroupMemory', 'CgroupCpu', 'CgroupCpuacct', 'CgroupCpuset', 'CgroupDevices', 'CgroupBlkio', 'IommuFirmware', 'IommuEnabled', 'SecureGuest') {
            $checks.Name | Should -Contain $_
        }

        It 'passes <_>' -ForEach @('HardwareVirtualization', 'KvmDevice', 'VhostNet', 'Tun', 'CgroupMemory', 'CgroupBlkio', 'CgroupDevices',
            'IommuFirmware', 'IommuEnabled', 'IommuKernelParameters', 'InterruptRemapping', 'VfioModules', 'VfioDevice', 'NestedVirtualization') {
            $name = $_
            $check = $checks | Where-Object Name -eq $name
            $check.Status | Should -Be 'Pass'
            $check.Remedy | Should -BeNullOrEmpty
        }

        It 'skips what a captured root cannot show (access) and Intel secure guests' {
            ($checks | Where-Object Name -eq 'KvmDeviceAccess').Status | Should -Be 'Skip'
            ($checks | Where-Object Name -eq 'SecureGuest').Detail | Should -Match 'TDX'
        }

        It 'has no Fail, so -Quiet returns a single $true' {
            @($checks | Where-Object Status -eq 'Fail') | Should -HaveCount 0
            $quiet = @(Test-VHSRequirement -Quiet)
            $quiet | Should -HaveCount 1
            $quiet[0] | Should -BeOfType ([bool])
            $quiet[0] | Should -BeTrue
        }
    }

    Context 'selection by name' {
        BeforeAll {
            $env:VIRTTOOLS_ROOT = (New-HealthyIntelHost 'select').Root
        }

        It 'runs only the checks matching a wildcard' {
            $names = @(Test-VHSRequirement -Name 'Cgroup*' | ForEach-Object Name)
            $names | Should -Be @('CgroupMemory', 'CgroupCpu', 'CgroupCpuacct', 'CgroupCpuset', 'CgroupDevices', 'CgroupBlkio')
        }

        It 'takes names from the pipeline by property name, each once' {
            $names = @([pscustomobject]@{ Name = 'Tun' }, [pscustomobject]@{ Name = 'VhostNet' }, [pscustomobject]@{ Name = 'Tun' } |
                Test-VHSRequirement | ForEach-Object Name)
            $names | Should -Be @('Tun', 'VhostNet')
        }

        It 'writes RequirementCheckNotFound for an unknown literal name' {
            $result = @(Test-VHSRequirement -Name 'NoSuchCheck' -ErrorAction SilentlyContinue -ErrorVariable problems)
            $result | Should -HaveCount 0
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'RequirementCheckNotFound,VirtTools.Commands.TestVHSRequirementCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'a host with problems' {
        It 'fails Tun and KvmDevice when the nodes are missing, and -Quiet returns $false' {
            $tree = New-HostRoot 'bare' $intelCpu
            $env:VIRTTOOLS_ROOT = $tree.Root
            $checks = @(Test-VHSRequirement -Name KvmDevice, Tun, VhostNet)
            ($checks | Where-Object Name -eq 'KvmDevice').Status | Should -Be 'Fail'
            ($checks | Where-Object Name -eq 'KvmDevice').Remedy | Should -Match 'kvm_intel'
            ($checks | Where-Object Name -eq 'Tun').Status | Should -Be 'Fail'
            ($checks | Where-Object Name -eq 'VhostNet').Status | Should -Be 'Warn'
            Test-VHSRequirement -Quiet | Should -BeFalse
        }

        It 'the table shows what to do about a failed check, within 80 columns' {
            $tree = New-HostRoot 'bare-table' $intelCpu
            $env:VIRTTOOLS_ROOT = $tree.Root
            $check = Test-VHSRequirement -Name KvmDevice
            $check.Remedy | Should -Not -BeNullOrEmpty
            $lines = @(((Test-VHSRequirement -Name KvmDevice, HardwareVirtualization | Out-String -Width 80) -replace "`e\[[0-9;]*m", '') -split "`r?`n")
            ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
            # The cell wraps: without the padding, the detail and the remedy read on.
            $flat = ($lines -join '') -replace '\s', ''
            $flat.Contains((($check.Detail + 'Remedy:' + $check.Remedy) -replace '\s', '')) | Should -BeTrue -Because ($lines -join "`n")
        }

        It 'warns that amd_iommu=on is not a valid value' {
            $tree = New-HostRoot 'amd-on' $amdCpu
            $null = $tree.File('/proc/cmdline', "root=/dev/sda2 amd_iommu=on iommu=pt`n")
            $env:VIRTTOOLS_ROOT = $tree.Root
            $check = Test-VHSRequirement -Name IommuKernelParameters
            $check.Status | Should -Be 'Warn'
            $check.Remedy | Should -Match 'Remove amd_iommu=on'
            $check.Remedy | Should -Not -Match 'intel_iommu'
        }

        It 'advises intel_iommu=on (and mentions 6.8+ defaults) on an Intel host without IOMMU groups' {
            $tree = New-HostRoot 'intel-off' $intelCpu
            $null = $tree.File('/proc/cmdline', "root=/dev/sda2`n").EnsureDir('/sys/kernel/iommu_groups')
            $env:VIRTTOOLS_ROOT = $tree.Root
            $check = Test-VHSRequirement -Name IommuKernelParameters
            $check.Status | Should -Be 'Warn'
            $check.Remedy | Should -Match 'intel_iommu=on'
            $check.Remedy | Should -Match '6\.8'
        }

        It 'treats nested virtualization off as a warning, not a failure' {
            $tree = New-HostRoot 'nested-off' $amdCpu
            $null = $tree.File('/sys/module/kvm_amd/parameters/nested', "0`n")
            $env:VIRTTOOLS_ROOT = $tree.Root
            (Test-VHSRequirement -Name NestedVirtualization).Status | Should -Be 'Warn'
        }

        It 'warns about kvm_pvm and fails hardware virtualization' {
            $tree = New-HostRoot 'pvm' "processor`t: 0`nvendor_id`t: GenuineIntel`nflags`t`t: fpu lm hypervisor`n`n"
            $null = $tree.File('/dev/kvm', '').File('/proc/modules', "kvm_pvm 1 0 - Live 0x0`nkvm 1 1 kvm_pvm, Live 0x0`n")
            $env:VIRTTOOLS_ROOT = $tree.Root
            (Test-VHSRequirement -Name KvmPvm).Status | Should -Be 'Warn'
            (Test-VHSRequirement -Name KvmPvm).Detail | Should -Match 'stock kernel'
            (Test-VHSRequirement -Name HardwareVirtualization).Status | Should -Be 'Fail'
            (Test-VHSRequirement -Name GuestAcceleration).Detail | Should -Match 'only PVM-enabled guest kernels'
        }

        It 'kvm_pvm without /dev/kvm: one story (emulation), no modprobe advice' {
            $tree = New-HostRoot 'pvm-nodev' "processor`t: 0`nvendor_id`t: AuthenticAMD`nflags`t`t: fpu lm hypervisor`n`n"
            $null = $tree.File('/proc/modules', "kvm_pvm 1 0 - Live 0x0`nkvm 1 1 kvm_pvm, Live 0x0`n")
            $env:VIRTTOOLS_ROOT = $tree.Root
            $checks = Test-VHSRequirement -Name HardwareVirtualization, KvmDevice, KvmPvm, GuestAcceleration
            $checks.Detail | Should -Not -Match '/dev/kvm exists|provides /dev/kvm'
            $checks.Remedy | Should -Not -Match 'modprobe'
            ($checks | Where-Object Name -eq GuestAcceleration).Status | Should -Be 'Warn'
            ($checks | Where-Object Name -eq GuestAcceleration).Detail | Should -Match 'domain type qemu'
            (Get-VHSCapability).Notes | Should -Match 'kvm_pvm is loaded, but /dev/kvm does not exist'
        }
    }

    Context 'a recorded capture without /dev (hwloc 32intel64-2p8co2t+8ve)' {
        It 'skips the device-node checks instead of failing them' {
            $env:VIRTTOOLS_ROOT = [VirtTools.Testing.Fixtures]::Root('hwloc/32intel64-2p8co2t+8ve.tar.bz2')
            $checks = @(Test-VHSRequirement -Name KvmDevice, Tun, VhostNet, VfioDevice)
            $checks | Should -HaveCount 4
            @($checks | Where-Object Status -ne 'Skip') | Should -HaveCount 0
        }
    }

    Context 'a recorded Xen Dom0 (virt-what rhel5-xen-dom0)' {
        BeforeAll {
            $env:VIRTTOOLS_ROOT = [VirtTools.Testing.Fixtures]::PathOf('virt-what/rhel5-xen-dom0')
            $checks = @(Test-VHSRequirement)
        }

        It 'selects the Xen set by default' {
            @($checks | Where-Object Hypervisor -ne 'Xen') | Should -HaveCount 0
            $checks.Name | Should -Contain 'XenDom0'
            $checks.Name | Should -Contain 'XenPciback'
        }

        It 'passes XenHypervisor, XenDom0 and XenHvm' {
            ($checks | Where-Object Name -eq 'XenHypervisor').Status | Should -Be 'Pass'
            ($checks | Where-Object Name -eq 'XenDom0').Status | Should -Be 'Pass'
            ($checks | Where-Object Name -eq 'XenHvm').Status | Should -Be 'Pass'
        }

        It 'keeps its type name through remoting serialization (depth 1)' {
            $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($checks[0], 1))
            $copy.PSTypeNames[0] | Should -BeExactly 'Deserialized.VirtTools.RequirementCheck'
            $copy.Status.ToString() | Should -Be 'Pass'
            $copy.Name | Should -Be 'XenHypervisor'
        }

        It 'does not fail the IOMMU because Xen hid DMAR' {
            ($checks | Where-Object Name -eq 'XenIommu').Status | Should -Not -Be 'Fail'
            (Test-VHSRequirement -Hypervisor KVM -Name IommuFirmware).Status | Should -Be 'Skip'
        }

        It 'runs the KVM set when asked with -Hypervisor KVM' {
            $kvm = @(Test-VHSRequirement -Hypervisor KVM)
            @($kvm | Where-Object Hypervisor -ne 'KVM') | Should -HaveCount 0
            $kvm.Name | Should -Contain 'HardwareVirtualization'
        }
    }

    Context 'a Xen PV guest (virt-what rhel5-xen-domU-pv)' {
        It 'fails XenDom0 with -Hypervisor Xen' {
            $env:VIRTTOOLS_ROOT = [VirtTools.Testing.Fixtures]::PathOf('virt-what/rhel5-xen-domU-pv')
            $check = Test-VHSRequirement -Hypervisor Xen -Name XenDom0
            $check.Status | Should -Be 'Fail'
            Test-VHSRequirement -Hypervisor Xen -Quiet | Should -BeFalse
        }
    }

    Context 'errors' {
        It 'throws HostRootNotFound for a missing root' {
            $env:VIRTTOOLS_ROOT = Join-Path $TestDrive 'no-such-root'
            { Test-VHSRequirement } | Should -Throw -ErrorId 'HostRootNotFound,VirtTools.Commands.TestVHSRequirementCommand'
        }

        It 'rejects an unknown -Hypervisor value' {
            { Test-VHSRequirement -Hypervisor VMware } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,VirtTools.Commands.TestVHSRequirementCommand'
        }
    }
}
