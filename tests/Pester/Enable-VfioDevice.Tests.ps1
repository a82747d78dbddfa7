# Enable-VfioDevice against the simulated PCI kernel (tests/VirtTools.TestSupport/SimulatedKernel.cs):
# writes to driver_override, driver/unbind and drivers_probe act on a temp tree as the kernel would.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    $env:SSH_CONNECTION = $null
    $Fq = ',VirtTools.Commands.EnableVfioDeviceCommand'
}

AfterAll { Restore-TestHost }

Describe 'Enable-VfioDevice' {
    AfterEach {
        [VirtTools.Testing.SimulatedKernel]::Uninstall()
    }

    Context 'command shape' {
        It 'is High impact, supports -WhatIf and declares PciDevice output' {
            $c = Get-Command Enable-VfioDevice
            $c.Parameters.ContainsKey('WhatIf') | Should -BeTrue
            $c.OutputType.Name | Should -Contain 'VirtTools.PciDevice'
            Get-ConfirmImpact Enable-VfioDevice | Should -Be 'High'
        }

        It 'binds Address by value and by property name, with aliases' {
            $p = (Get-Command Enable-VfioDevice).Parameters['Address']
            $p.Aliases | Should -Contain 'PciAddress'
            $a = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
            $a.ValueFromPipelineByPropertyName | Should -BeTrue
            $a.ValueFromPipeline | Should -BeTrue
            $a.Position | Should -Be 0
        }
    }

    Context '-WhatIf' {
        It 'Get-PciDevice | Where-Object Driver -eq e1000e | Enable-VfioDevice -WhatIf says every step and touches nothing' {
            $k = New-SimulatedHost
            $before = Get-TreeSnapshot $k.Root
            $out = Get-PciDevice | Where-Object Driver -eq e1000e |
                Enable-VfioDevice -WhatIf -Verbose -ErrorVariable err -ErrorAction SilentlyContinue 4>&1
            $text = ($out | ForEach-Object { "$_" }) -join "`n"
            $nic = $W::FreeNic
            $text | Should -Match ([regex]::Escape("load kernel module vfio_pci (modprobe vfio_pci)"))
            $text | Should -Match ([regex]::Escape("write 'vfio-pci' to /sys/bus/pci/devices/$nic/driver_override"))
            $text | Should -Match ([regex]::Escape("unbind $nic from e1000e (write '$nic' to /sys/bus/pci/devices/$nic/driver/unbind)"))
            $text | Should -Match ([regex]::Escape("probe $nic (write '$nic' to /sys/bus/pci/drivers_probe)"))
            $text | Should -Match ([regex]::Escape("verify that /dev/vfio/4 exists"))
            # The other e1000e carries the default route: refused even under -WhatIf.
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be "DeviceCarriesDefaultRoute$Fq"
            $err[0].TargetObject | Should -Be $W::RouteNic
            $k.Writes | Should -HaveCount 0
            $k.Modules.Loaded | Should -HaveCount 0
            Get-TreeSnapshot $k.Root | Should -BeExactly $before
        }

        It '-WhatIf -Persist -IncludeIommuGroup names the persistence files and still touches nothing' {
            $k = New-SimulatedHost -VfioLoaded
            $before = Get-TreeSnapshot $k.Root
            $text = (Enable-VfioDevice $W::Gpu -IncludeIommuGroup -Persist -WhatIf -Verbose 4>&1 | ForEach-Object { "$_" }) -join "`n"
            $text | Should -Match ([regex]::Escape("write 'vfio-pci' to /etc/driverctl.d/pci-$($W::Gpu)"))
            $text | Should -Match ([regex]::Escape("write 'vfio-pci' to /etc/driverctl.d/pci-$($W::GpuAudio)"))
            $text | Should -Match ([regex]::Escape("unbind $($W::GpuAudio) from snd_hda_intel"))
            $text | Should -Match 'bridges need no binding'
            Get-TreeSnapshot $k.Root | Should -BeExactly $before
        }
    }

    Context 'binding' {
        It 'binds a device piped from Get-PciDevice and -PassThru returns it updated' {
            $k = New-SimulatedHost
            $d = Get-PciDevice $W::FreeNic | Enable-VfioDevice -Confirm:$false -PassThru
            $d | Should -BeOfType ([VirtTools.PciDevice])
            $d.Address | Should -Be $W::FreeNic
            $d.Driver | Should -Be 'vfio-pci'
            $d.DriverOverride | Should -Be 'vfio-pci'
            $k.DriverOf($W::FreeNic) | Should -Be 'vfio-pci'
            [System.IO.File]::Exists((Join-Path $k.Root dev/vfio/4)) | Should -BeTrue
            ($k.Writes | ForEach-Object { $_.Path }) | Should -Be @(
                "/sys/bus/pci/devices/$($W::FreeNic)/driver_override",
                "/sys/bus/pci/devices/$($W::FreeNic)/driver/unbind",
                '/sys/bus/pci/drivers_probe')
            @($k.WritesTo('new_id')) | Should -HaveCount 0
        }

        It 'binds by property name from any object with an Address, in lspci form' {
            $k = New-SimulatedHost -VfioLoaded
            [pscustomobject]@{ Address = '03:00.0' } | Enable-VfioDevice -Confirm:$false
            $k.DriverOf($W::FreeNic) | Should -Be 'vfio-pci'
        }

        It 'does nothing, and says so, for a device already on vfio-pci' {
            $k = New-SimulatedHost -VfioLoaded
            Enable-VfioDevice $W::FreeNic -Confirm:$false
            $k.ClearLog()
            Enable-VfioDevice $W::FreeNic -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
            ($w -join "`n") | Should -Match '^Nothing to do: .*already bound to vfio-pci'
            $k.Writes | Should -HaveCount 0
        }

        It 'warns that the group stays non-viable and names the member to bind' {
            $k = New-SimulatedHost -VfioLoaded
            $null = Enable-VfioDevice $W::Gpu -Confirm:$false -WarningVariable warn 3>$null
            ($warn -join "`n") | Should -Match ([regex]::Escape("$($W::GpuAudio) (snd_hda_intel)"))
            ($warn -join "`n") | Should -Match 'IncludeIommuGroup'
        }

        It '-IncludeIommuGroup binds the endpoints of the group and leaves the bridge on pcieport' {
            $k = New-SimulatedHost -VfioLoaded
            $out = Enable-VfioDevice $W::Gpu -IncludeIommuGroup -Confirm:$false -PassThru
            ($out | ForEach-Object { $_.Address }) | Should -Be @($W::Gpu, $W::GpuAudio)
            $k.DriverOf($W::GpuAudio) | Should -Be 'vfio-pci'
            $k.DriverOf($W::GpuRootPort) | Should -Be 'pcieport'
        }

        It 'expands wildcards' {
            $k = New-SimulatedHost -VfioLoaded
            Enable-VfioDevice '0000:01:00.*' -Confirm:$false
            $k.DriverOf($W::Gpu) | Should -Be 'vfio-pci'
            $k.DriverOf($W::GpuAudio) | Should -Be 'vfio-pci'
        }

        It '-Persist writes the driverctl file' {
            $k = New-SimulatedHost -VfioLoaded
            Enable-VfioDevice $W::FreeNic -Persist -Confirm:$false
            [System.IO.File]::ReadAllText((Join-Path $k.Root "etc/driverctl.d/pci-$($W::FreeNic)")) | Should -BeExactly "vfio-pci`n"
        }
    }

    Context 'safety refusals' {
        It 'refuses <Address> with <Id> and leaves it on its driver' -ForEach @(
            @{ Address = '0000:04:00.0'; Id = 'DeviceHostsRootFilesystem' }
            @{ Address = '0000:00:1f.6'; Id = 'DeviceCarriesDefaultRoute' }
            @{ Address = '0000:05:00.0'; Id = 'DeviceCarriesSshSession' }
            @{ Address = '0000:00:02.0'; Id = 'DeviceIsBootVga' }
            @{ Address = '0000:06:00.0'; Id = 'DeviceHostsMountedFilesystem' }
            @{ Address = '0000:07:00.0'; Id = 'DeviceHostsVolumeMember' }
            @{ Address = '0000:00:1c.0'; Id = 'DeviceIsBridge' }
        ) {
            $k = New-SimulatedHost -VfioLoaded
            $driver = $k.DriverOf($Address)
            $env:SSH_CONNECTION = $W::SshConnection
            try {
                { Enable-VfioDevice $Address -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "$Id$Fq"
            }
            finally { $env:SSH_CONNECTION = $null }
            $k.DriverOf($Address) | Should -Be $driver
            $k.Writes | Should -HaveCount 0
        }

        It 'reports a refusal as a ResourceBusy error that targets the device and says what to do' {
            $null = New-SimulatedHost -VfioLoaded
            Enable-VfioDevice $W::RouteNic -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
            $err[0].TargetObject | Should -Be $W::RouteNic
            $err[0].ErrorDetails.RecommendedAction | Should -Match 'Force'
        }

        It '-Force binds a refused device with a warning' {
            $k = New-SimulatedHost -VfioLoaded
            $null = Enable-VfioDevice $W::RouteNic -Force -Confirm:$false -WarningVariable warn 3>$null
            ($warn -join "`n") | Should -Match 'DeviceCarriesDefaultRoute'
            $k.DriverOf($W::RouteNic) | Should -Be 'vfio-pci'
        }

        It '-Force does not make a bridge assignable' {
            $null = New-SimulatedHost -VfioLoaded
            Enable-VfioDevice $W::NicRootPort -Force -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "DeviceIsBridge$Fq"
            $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        }
    }

    Context 'kernel errors roll back' {
        It '<Errno> on <Pattern> is <Id> (<Category>) and the NIC is back on e1000e' -ForEach @(
            @{ Pattern = '*/driver/unbind'; Errno = 'EBUSY'; Id = 'DeviceBusy'; Category = 'ResourceBusy' }
            @{ Pattern = '*/driver_override'; Errno = 'EACCES'; Id = 'PermissionDenied'; Category = 'PermissionDenied' }
            @{ Pattern = '/sys/bus/pci/drivers_probe'; Errno = 'ENODEV'; Id = 'DriverRejectedDevice'; Category = 'InvalidOperation' }
            @{ Pattern = '/sys/bus/pci/drivers_probe'; Errno = 'EINVAL'; Id = 'InvalidSysfsValue'; Category = 'InvalidArgument' }
        ) {
            $k = New-SimulatedHost -VfioLoaded
            $null = $k.Fail($Pattern, [VirtTools.Host.Errno]$Errno, 1, 0)
            Enable-VfioDevice $W::FreeNic -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be "$Id$Fq"
            $err[0].CategoryInfo.Category | Should -Be $Category
            $err[0].Exception.Message | Should -Match 'as before'
            $k.DriverOf($W::FreeNic) | Should -Be 'e1000e'
            $k.DriverOverrideOf($W::FreeNic) | Should -Be '(null)'
        }

        It 'a missing /dev/vfio node is VfioGroupNodeMissing and rolls back' {
            $k = New-SimulatedHost -VfioLoaded
            $k.CreateVfioNodes = $false
            { Enable-VfioDevice $W::FreeNic -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "VfioGroupNodeMissing$Fq"
            $k.DriverOf($W::FreeNic) | Should -Be 'e1000e'
        }

        It 'a driver that never binds is DriverBindTimeout and rolls back' {
            $k = New-SimulatedHost -VfioLoaded
            $null = $k.FailProbe('vfio-pci', [VirtTools.Host.Errno]::ENODEV)
            { Enable-VfioDevice $W::FreeNic -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "DriverBindTimeout$Fq"
            $k.DriverOf($W::FreeNic) | Should -Be 'e1000e'
        }
    }

    Context 'other errors' {
        It 'an unknown address is DeviceNotFound' {
            $null = New-SimulatedHost
            { Enable-VfioDevice 0000:99:00.0 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "DeviceNotFound$Fq"
        }

        It 'a malformed address is InvalidPciAddress' {
            $null = New-SimulatedHost
            { Enable-VfioDevice 'not-an-address' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "InvalidPciAddress$Fq"
        }

        It 'a driver module that is not installed is ModuleLoadFailed (NotInstalled)' {
            $null = New-SimulatedHost
            Enable-VfioDevice $W::FreeNic -Driver mlx5_vfio_pci -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "ModuleLoadFailed$Fq"
            $err[0].CategoryInfo.Category | Should -Be 'NotInstalled'
        }

        It 'an install-to-false rule is DriverModuleBlacklisted and names the file' {
            $k = New-SimulatedHost
            [System.IO.File]::WriteAllText((Join-Path $k.Root etc/modprobe.d/vfio-off.conf), "install vfio_pci /bin/false`n")
            Enable-VfioDevice $W::FreeNic -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "DriverModuleBlacklisted$Fq"
            $err[0].Exception.Message | Should -Match 'vfio-off.conf line 1'
        }

        It 'a device without IOMMU group is IommuGroupMissing' {
            $k = New-SimulatedHost -VfioLoaded
            [System.IO.File]::Delete((Join-Path $k.Root ($k.Tree.DeviceDir($W::FreeNic) + '/iommu_group')))
            { Enable-VfioDevice $W::FreeNic -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "IommuGroupMissing$Fq"
        }

        It 'a different persistent override is PersistentOverrideConflict unless -Force' {
            $k = New-SimulatedHost -VfioLoaded
            $file = Join-Path $k.Root "etc/driverctl.d/pci-$($W::FreeNic)"
            $null = [System.IO.Directory]::CreateDirectory((Join-Path $k.Root etc/driverctl.d))
            [System.IO.File]::WriteAllText($file, "igb`n")
            { Enable-VfioDevice $W::FreeNic -Persist -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "PersistentOverrideConflict$Fq"
            $k.DriverOf($W::FreeNic) | Should -Be 'e1000e'
            Enable-VfioDevice $W::FreeNic -Persist -Force -Confirm:$false 3>$null
            [System.IO.File]::ReadAllText($file) | Should -BeExactly "vfio-pci`n"
            [System.IO.File]::ReadAllText((Join-Path $k.Root "etc/driverctl.d/.pci-$($W::FreeNic).virttools-backup")) | Should -BeExactly "igb`n"
        }

        It 'a name that is not a driver is InvalidDriverName' {
            $null = New-SimulatedHost
            { Enable-VfioDevice $W::FreeNic -Driver '../x' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "InvalidDriverName$Fq"
        }
    }
}
