# Acceptance tests for Get-PciDevice over synthetic trees (SysfsTreeBuilder) and a recorded one.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    $none = [NullString]::Value

    $script:treeBase = New-TestTempPath 'vt-pci-pester'

    # A host with a root port, an E810 PF with 3 VFs, a GPU + audio function and a plain e1000e NIC.
    $script:root = Join-Path $script:treeBase 'host'
    $b = [VirtTools.Testing.SysfsTreeBuilder]::new($script:root)
    $null = $b.Pci('0000:00:01.0', $none, '8086', '1901', '060400', 'pcieport', 2)
    $null = $b.Pci('0000:01:00.0', '0000:00:01.0', '8086', '1592', '020000', 'ice', 2)
    $null = $b.Sriov('0000:01:00.0', 128, 3, '1889', 'iavf', 10, 8, 1)
    $null = $b.Pci('0000:02:00.0', $none, '10de', '2204', '030000', 'vfio-pci', 3)
    $null = $b.Pci('0000:02:00.1', $none, '10de', '1aef', '040300', 'snd_hda_intel', 3)
    $null = $b.Pci('0000:03:00.0', $none, '8086', '10d3', '020000', 'e1000e', $null)
    $null = $b.File('/etc/driverctl.d/pci-0000:02:00.0', "vfio-pci`n")
    $env:VIRTTOOLS_ROOT = $script:root
}

AfterAll { Restore-TestHost }

Describe 'Get-PciDevice' {
    Context 'listing' {
        It 'returns every function as VirtTools.PciDevice, sorted by address' {
            $all = @(Get-PciDevice)
            $all | Should -HaveCount 8
            $all[0] | Should -BeOfType ([VirtTools.PciDevice])
            ($all | ForEach-Object Address) -join ' ' | Should -BeExactly '0000:00:01.0 0000:01:00.0 0000:01:01.0 0000:01:01.1 0000:01:01.2 0000:02:00.0 0000:02:00.1 0000:03:00.0'
        }

        It 'fills ids, names and relations like lspci' {
            $d = Get-PciDevice 0000:03:00.0
            $d.VendorId | Should -BeExactly '8086'
            $d.DeviceId | Should -BeExactly '10d3'
            $d.ClassCode | Should -BeExactly '020000'
            $d.Driver | Should -BeExactly 'e1000e'
            $d.DriverOverride | Should -BeNullOrEmpty
            $d.IommuGroup | Should -BeNullOrEmpty
            $d.Problems | Should -HaveCount 0
            $gpu = Get-PciDevice 0000:02:00.0
            $gpu.PersistentDriverOverride | Should -BeExactly 'vfio-pci'
            $gpu.IommuGroup | Should -Be 3
        }

        It 'reports SR-IOV in both directions' {
            $pf = Get-PciDevice 0000:01:00.0
            $pf.SriovTotalVfs | Should -Be 128
            $pf.SriovNumVfs | Should -Be 3
            $pf.VirtualFunctions -join ',' | Should -BeExactly '0000:01:01.0,0000:01:01.1,0000:01:01.2'
            $vf = Get-PciDevice 0000:01:01.2
            $vf.IsVirtualFunction | Should -BeTrue
            $vf.PhysicalFunction | Should -BeExactly '0000:01:00.0'
        }
    }

    Context 'address forms and wildcards' {
        It 'accepts <Form>' -TestCases @(
            @{ Form = '0000:02:00.1'; Expected = '0000:02:00.1' }
            @{ Form = '02:00.1'; Expected = '0000:02:00.1' }
            @{ Form = 'pci_0000_02_00_1'; Expected = '0000:02:00.1' }
        ) {
            (Get-PciDevice $Form).Address | Should -BeExactly $Expected
        }

        It 'expands wildcards, also in the short form' {
            (@(Get-PciDevice '0000:01:01.*') | ForEach-Object Address) -join ' ' | Should -BeExactly '0000:01:01.0 0000:01:01.1 0000:01:01.2'
            @(Get-PciDevice '02:00.*') | Should -HaveCount 2
        }

        It 'binds strings from the pipeline by value' {
            @('0000:02:00.0', 'pci_0000_03_00_0' | Get-PciDevice) | Should -HaveCount 2
        }

        It 'binds Address by property name' {
            $o = [pscustomobject]@{ Address = '0000:03:00.0' }
            ($o | Get-PciDevice).Driver | Should -BeExactly 'e1000e'
        }
    }

    Context 'filters' {
        It '-Class Network selects base class 02' {
            (@(Get-PciDevice -Class Network) | ForEach-Object Address) -join ' ' | Should -BeExactly '0000:01:00.0 0000:01:01.0 0000:01:01.1 0000:01:01.2 0000:03:00.0'
        }

        It '-Class takes class code prefixes' {
            @(Get-PciDevice -Class '0403') | Should -HaveCount 1
            @(Get-PciDevice -Class '030000', Bridge) | Should -HaveCount 2
        }

        It 'Where-Object on Driver works as in the docs' {
            @(Get-PciDevice | Where-Object Driver -eq e1000e) | Should -HaveCount 1
        }

        It '-VendorId, -DeviceId and -Driver take wildcards' {
            @(Get-PciDevice -VendorId 10de) | Should -HaveCount 2
            @(Get-PciDevice -VendorId 10de -DeviceId 2*) | Should -HaveCount 1
            @(Get-PciDevice -Driver *vfio*, e1000e) | Should -HaveCount 2
        }

        It '-IommuGroup takes several numbers' {
            @(Get-PciDevice -IommuGroup 3, 10) | Should -HaveCount 3
        }

        It '-PhysicalFunction and -VirtualFunction' {
            (Get-PciDevice -PhysicalFunction).Address | Should -BeExactly '0000:01:00.0'
            @(Get-PciDevice -VirtualFunction) | Should -HaveCount 3
        }

        It 'goes from a PF to its VFs with -VirtualFunctionOf' {
            $vfs = @(Get-PciDevice 0000:01:00.0 | Get-PciDevice -VirtualFunctionOf)
            ($vfs | ForEach-Object Address) -join ' ' | Should -BeExactly '0000:01:01.0 0000:01:01.1 0000:01:01.2'
            @(Get-PciDevice -PhysicalFunction | Get-PciDevice -VirtualFunctionOf -Driver iavf) | Should -HaveCount 3
        }
    }

    Context 'errors' {
        It 'an absent address is a non-terminating PciDeviceNotFound' {
            { Get-PciDevice 0000:09:00.0 -ErrorAction Stop } | Should -Throw -ErrorId 'PciDeviceNotFound,VirtTools.Commands.GetPciDeviceCommand'
            $found = @(Get-PciDevice 0000:09:00.0, 0000:03:00.0 -ErrorAction SilentlyContinue -ErrorVariable errs)
            $found | Should -HaveCount 1
            $errs | Should -HaveCount 1
            $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errs[0].TargetObject | Should -BeExactly '0000:09:00.0'
        }

        It 'a malformed address is InvalidPciAddress' {
            { Get-PciDevice 'zz:00.0' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidPciAddress,VirtTools.Commands.GetPciDeviceCommand'
            Get-PciDevice 'zz:00.0' -ErrorAction SilentlyContinue -ErrorVariable errs
            $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'an unknown class is InvalidPciClass' {
            { Get-PciDevice -Class Networks } | Should -Throw -ErrorId 'InvalidPciClass,VirtTools.Commands.GetPciDeviceCommand'
        }

        It '-VirtualFunctionOf on a non-PF is NotPhysicalFunction' {
            { Get-PciDevice 0000:03:00.0 -VirtualFunctionOf -ErrorAction Stop } | Should -Throw -ErrorId 'NotPhysicalFunction,*'
        }

        It 'a root that does not exist is one terminating HostRootNotFound' {
            $env:VIRTTOOLS_ROOT = Join-Path $script:treeBase 'nowhere'
            try {
                { Get-PciDevice } | Should -Throw -ErrorId 'HostRootNotFound,VirtTools.Commands.GetPciDeviceCommand'
            }
            finally { $env:VIRTTOOLS_ROOT = $script:root }
        }
    }

    Context 'broken trees' {
        BeforeAll {
            $script:broken = Join-Path $script:treeBase 'broken'
            $bb = [VirtTools.Testing.SysfsTreeBuilder]::new($script:broken)
            $null = $bb.Pci('0000:05:00.0')
            $null = $bb.Pci('0000:06:00.0')
            $dir = $bb.DeviceDir('0000:05:00.0')
            [IO.File]::Delete($bb.OnDisk("$dir/config"))
            $null = $bb.File("$dir/vendor", "garbage`n")
            $null = $bb.Link('/sys/bus/pci/devices/0000:07:00.0', '/sys/devices/pci0000:07/0000:07:00.0')
            $env:VIRTTOOLS_ROOT = $script:broken
        }
        AfterAll { $env:VIRTTOOLS_ROOT = $script:root }

        It 'marks garbage as unknown with a Problems entry and keeps the other devices' {
            $all = @(Get-PciDevice -WarningAction SilentlyContinue)
            $all | Should -HaveCount 3
            $all[0].VendorId | Should -BeNullOrEmpty
            $all[0].Problems -join ';' | Should -Match "vendor: unexpected content 'garbage'"
            $all[1].VendorId | Should -BeExactly '8086'
            $all[1].Problems | Should -HaveCount 0
        }

        It 'reports a dangling device link as a problem, with a warning' {
            $d = Get-PciDevice 0000:07:00.0 -WarningAction SilentlyContinue -WarningVariable w
            $d.Problems -join ';' | Should -Match 'dangling link'
            $w | Should -HaveCount 1
        }
    }

    Context 'recorded tree' {
        It 'reads the hwloc Xeon capture with its X722 PFs' {
            $env:VIRTTOOLS_ROOT = [VirtTools.Testing.Fixtures]::Root('hwloc/32intel64-2p8co2t+8ve.tar.bz2')
            try {
                @(Get-PciDevice) | Should -HaveCount 28
                $pfs = @(Get-PciDevice -PhysicalFunction)
                $pfs | Should -HaveCount 2
                $pfs[0].Driver | Should -BeExactly 'i40e'
                $pfs[0].SriovTotalVfs | Should -Be 64
                @(Get-PciDevice -Driver ve_drv) | Should -HaveCount 8
            }
            finally { $env:VIRTTOOLS_ROOT = $script:root }
        }
    }

    Context 'remoting shape and views' {
        It 'deserializes as Deserialized.VirtTools.PciDevice with its values' {
            $d = Get-PciDevice 0000:01:00.0
            $x = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($d, 1))
            $x.PSObject.TypeNames[0] | Should -BeExactly 'Deserialized.VirtTools.PciDevice'
            $x.Address | Should -BeExactly '0000:01:00.0'
            $x.VirtualFunctions -join ',' | Should -BeExactly '0000:01:01.0,0000:01:01.1,0000:01:01.2'
        }

        It 'has table and list views selecting both the type and its deserialized form' {
            [xml]$f = [IO.File]::ReadAllText((Join-Path $PSScriptRoot ../../VirtTools.Format.ps1xml))
            $set = $f.Configuration.SelectionSets.SelectionSet | Where-Object Name -eq 'VirtTools.PciDevice'
            $set.Types.TypeName | Should -Contain 'Deserialized.VirtTools.PciDevice'
            $views = @($f.Configuration.ViewDefinitions.View | Where-Object { $_.ViewSelectedBy.SelectionSetName -eq 'VirtTools.PciDevice' })
            $views | Should -HaveCount 2
        }

        It 'declares its output type' {
            (Get-Command Get-PciDevice).OutputType.Name | Should -Contain 'VirtTools.PciDevice'
        }
    }

    Context 'completion' {
        It 'completes addresses with names as tooltips' {
            $c = [VirtTools.Commands.PciAddressCompleter]::new()
            $r = @($c.CompleteArgument('Get-PciDevice', 'Address', '0000:02', $null, @{}))
            $r | Should -HaveCount 2
            $r[0].CompletionText | Should -BeExactly '0000:02:00.0'
            $r[0].ToolTip | Should -Match 'vfio-pci'
        }

        It 'completes class names' {
            $c = [VirtTools.Commands.PciClassCompleter]::new()
            (@($c.CompleteArgument('Get-PciDevice', 'Class', 'Net', $null, @{})) | ForEach-Object CompletionText) | Should -Contain 'Network'
        }
    }
}
