# Get-VHSCapability on recorded trees (tests/fixtures) and synthetic roots built in a temp folder.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)

    $intelCpu = "processor`t: 0`nvendor_id`t: GenuineIntel`nmodel name`t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz`nflags`t`t: fpu lm vmx ept`n`n"
    $noVtCpu = "processor`t: 0`nvendor_id`t: GenuineIntel`nmodel name`t: Intel(R) Xeon(R) Platinum 8375C`nflags`t`t: fpu lm hypervisor`n`n"

    $treeBase = New-TestTempPath 'vt-cap-pester'
    function New-HostRoot([string] $Name, [string] $CpuInfo) {
        $root = Join-Path $treeBase $Name
        $tree = [VirtTools.Testing.SysfsTreeBuilder]::new($root)
        $null = $tree.Proc('cpuinfo', $CpuInfo).File('/proc/sys/kernel/osrelease', "6.4.0-150600.23-default`n").EnsureDir('/dev').EnsureDir('/sys/hypervisor')
        $tree
    }
}

AfterAll { Restore-TestHost }

Describe 'Get-VHSCapability' {
    Context 'command metadata' {
        It 'declares VirtTools.HostCapability as its output type' {
            (Get-Command Get-VHSCapability).OutputType.Name | Should -Contain 'VirtTools.HostCapability'
        }
    }

    Context 'a recorded Xen Dom0 (virt-what rhel5-xen-dom0)' {
        BeforeAll {
            $env:VIRTTOOLS_ROOT = [VirtTools.Testing.Fixtures]::PathOf('virt-what/rhel5-xen-dom0')
            $cap = Get-VHSCapability
        }

        It 'returns one HostCapability for the root' {
            @($cap) | Should -HaveCount 1
            $cap | Should -BeOfType ([VirtTools.HostCapability])
            $cap.Root | Should -Be $env:VIRTTOOLS_ROOT
        }

        It 'recognises Dom0, the Xen version and its capabilities' {
            $cap.IsXenDom0 | Should -BeTrue
            $cap.Hypervisor | Should -Be 'Xen'
            $cap.IsVirtualMachine | Should -BeFalse
            $cap.XenVersion | Should -Be '3.1.2-238.el5'
            $cap.XenCapabilities | Should -Contain 'hvm-3.0-x86_64'
            $cap.SupportedHypervisors | Should -Be @('Xen')
            $cap.VirtualizationModes | Should -Be @('FV', 'PV', 'PVHVM')
        }

        It 'says Xen hides the IOMMU table instead of calling it absent' {
            $cap.IommuFirmwareTable | Should -Be 'HiddenByXen'
        }

        It 'keeps its type name and list properties through remoting serialization (depth 1)' {
            $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($cap, 1))
            $copy.PSTypeNames[0] | Should -BeExactly 'Deserialized.VirtTools.HostCapability'
            @($copy.XenCapabilities) | Should -HaveCount 5
            $copy.IsXenDom0 | Should -BeTrue
        }
    }

    Context 'a recorded bare-metal capture without /dev (hwloc 32intel64-2p8co2t+8ve)' {
        BeforeAll {
            $env:VIRTTOOLS_ROOT = [VirtTools.Testing.Fixtures]::Root('hwloc/32intel64-2p8co2t+8ve.tar.bz2')
            $cap = Get-VHSCapability
        }

        It 'reads the CPU, kernel release and SR-IOV physical functions' {
            $cap.CpuVendor | Should -BeExactly 'GenuineIntel'
            $cap.Architecture | Should -Be 'x86_64'
            $cap.HardwareVirtualization | Should -Be 'vmx'
            $cap.KernelRelease | Should -Be '3.10.0-1160.15.2.el7.x86_64'
            $cap.SriovCapableDeviceCount | Should -Be 2
            $cap.CgroupVersion | Should -Be 1
            $cap.CgroupControllers | Should -Contain 'devices'
        }

        It 'reports device nodes as unknown ($null), not as missing' {
            $cap.KvmDevicePresent | Should -BeNullOrEmpty
            $cap.KvmDeviceAccessible | Should -BeNullOrEmpty
            $cap.DevNetTun | Should -BeNullOrEmpty
            ($null -eq $cap.KvmDevicePresent) | Should -BeTrue
            ($cap.Notes -match '/dev').Count | Should -Be 1
        }
    }

    Context 'the OpenShift worker with intel_iommu=on iommu=pt' {
        It 'lists the IOMMU kernel parameters' {
            $env:VIRTTOOLS_ROOT = [VirtTools.Testing.Fixtures]::Root('openshift-node-tuning-operator/bare-metal__worker1.internal.sysinfo.tgz')
            (Get-VHSCapability).IommuKernelParameters | Should -Be @('intel_iommu=on', 'iommu=pt')
        }
    }

    Context 'a synthetic Intel KVM host' {
        BeforeAll {
            $tree = New-HostRoot 'intel' $intelCpu
            $null = $tree.File('/dev/kvm', '').File('/dev/net/tun', '').File('/dev/vfio/vfio', '')
            $null = $tree.File('/proc/modules', "kvm_intel 409600 0 - Live 0x0`nkvm 1347584 1 kvm_intel, Live 0x0`nvfio_pci 16384 0 - Live 0x0`nvfio 69632 1 vfio_pci, Live 0x0`n")
            $null = $tree.File('/sys/module/kvm_intel/parameters/nested', "Y`n")
            $null = $tree.File('/sys/firmware/acpi/tables/DMAR', '')
            $null = $tree.File('/sys/class/iommu/dmar0/intel-iommu/ecap', "f050da`n")
            $null = $tree.File('/sys/fs/cgroup/cgroup.controllers', "cpuset cpu io memory pids`n")
            $null = $tree.File('/proc/cmdline', "root=/dev/sda2 intel_iommu=on `"vfio-pci.ids=10de:1b80,10de:10f0`"`n")
            $null = $tree.Pci('0000:03:00.0').Group('0000:03:00.0', 3)
            $env:VIRTTOOLS_ROOT = $tree.Root
            $cap = Get-VHSCapability
        }

        It 'sees KVM, its module and nested virtualization (Y)' {
            $cap.KvmDevicePresent | Should -BeTrue
            $cap.KvmModule | Should -Be 'kvm_intel'
            $cap.KvmPvm | Should -BeFalse
            $cap.NestedVirtualization | Should -BeTrue
            $cap.SupportedHypervisors | Should -Be @('KVM')
            $cap.VirtualizationModes | Should -Be @('FV', 'PVHVM')
        }

        It 'judges /dev/kvm access only on the live root' {
            $cap.KvmDeviceAccessible | Should -BeNullOrEmpty
        }

        It 'sees the IOMMU, interrupt remapping and the quoted vfio-pci.ids parameter' {
            $cap.IommuFirmwareTable | Should -Be 'DMAR'
            $cap.IommuEnabled | Should -BeTrue
            $cap.IommuGroupCount | Should -Be 1
            $cap.InterruptRemapping | Should -BeTrue
            $cap.IommuKernelParameters | Should -Contain 'vfio-pci.ids=10de:1b80,10de:10f0'
        }

        It 'sees vfio, the device nodes and cgroup v2' {
            $cap.VfioModulesLoaded | Should -Be @('vfio', 'vfio_pci')
            $cap.VfioDevicePresent | Should -BeTrue
            $cap.DevNetTun | Should -BeTrue
            $cap.DevVhostNet | Should -BeFalse
            $cap.CgroupVersion | Should -Be 2
            $cap.CgroupControllers | Should -Contain 'io'
        }
    }

    Context 'a kvm_pvm host (/dev/kvm without vmx/svm)' {
        It 'reports PVM and no hardware KVM' {
            $tree = New-HostRoot 'pvm' $noVtCpu
            $null = $tree.File('/dev/kvm', '').File('/proc/modules', "kvm_pvm 1 0 - Live 0x0`nkvm 1 1 kvm_pvm, Live 0x0`n")
            $env:VIRTTOOLS_ROOT = $tree.Root
            $cap = Get-VHSCapability
            $cap.HardwareVirtualization | Should -Be 'None'
            $cap.KvmPvm | Should -BeTrue
            $cap.KvmModule | Should -Be 'kvm_pvm'
            $cap.VirtualizationModes | Should -Be @('PVM')
            @($cap.SupportedHypervisors).Count | Should -Be 0
        }
    }

    Context 'nested virtualization parameters' {
        It 'reads <Module> nested=<Value> as <Expected>' -ForEach @(
            @{ Module = 'kvm_intel'; Value = 'Y'; Expected = $true }
            @{ Module = 'kvm_intel'; Value = 'N'; Expected = $false }
            @{ Module = 'kvm_amd'; Value = '1'; Expected = $true }
            @{ Module = 'kvm_amd'; Value = '0'; Expected = $false }
        ) {
            $tree = New-HostRoot "nested-$Module-$Value" $intelCpu
            $null = $tree.File("/sys/module/$Module/parameters/nested", "$Value`n")
            $env:VIRTTOOLS_ROOT = $tree.Root
            (Get-VHSCapability).NestedVirtualization | Should -Be $Expected
        }
    }

    Context 'errors' {
        It 'throws HostRootNotFound (ObjectNotFound) for a missing root' {
            $env:VIRTTOOLS_ROOT = Join-Path $TestDrive 'no-such-root'
            { Get-VHSCapability } | Should -Throw -ErrorId 'HostRootNotFound,VirtTools.Commands.GetVHSCapabilityCommand'
            try { Get-VHSCapability -ErrorAction Stop } catch { $err = $_ }
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.TargetObject | Should -Be $env:VIRTTOOLS_ROOT
        }

        It 'survives garbage files and reports unknowns' {
            $tree = New-HostRoot 'garbage' "`u{1}`u{2} not a cpuinfo`n::`n"
            $null = $tree.File('/proc/cmdline', "`"unterminated intel_iommu=on`n").File('/sys/module/kvm_intel/parameters/nested', "`0`n").File('/proc/mounts', "garbage`n")
            $env:VIRTTOOLS_ROOT = $tree.Root
            $cap = Get-VHSCapability
            $cap.Architecture | Should -BeNullOrEmpty
            $cap.NestedVirtualization | Should -BeNullOrEmpty
            $cap.CgroupVersion | Should -BeNullOrEmpty
            @($cap.IommuKernelParameters).Count | Should -Be 0
        }
    }
}
