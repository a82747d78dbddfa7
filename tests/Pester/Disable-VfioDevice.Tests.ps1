# Disable-VfioDevice against the simulated PCI kernel (tests/VirtTools.TestSupport/SimulatedKernel.cs).
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    $Fq = ',VirtTools.Commands.DisableVfioDeviceCommand'

    # A workstation whose free NIC is on vfio-pci (with its override set, as Enable-VfioDevice leaves it).
    function New-SimHost {
        param([switch]$Persist)
        $kernel = New-SimulatedHost -VfioLoaded
        Enable-VfioDevice $W::FreeNic -Persist:$Persist -Confirm:$false
        $kernel.ClearLog()
        $kernel
    }
}

AfterAll { Restore-TestHost }

Describe 'Disable-VfioDevice' {
    AfterEach {
        [VirtTools.Testing.SimulatedKernel]::Uninstall()
    }

    It 'is High impact and supports -WhatIf' {
        $c = Get-Command Disable-VfioDevice
        $c.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        Get-ConfirmImpact Disable-VfioDevice | Should -Be 'High'
        $c.OutputType.Name | Should -Contain 'VirtTools.PciDevice'
    }

    It 'Get-PciDevice | Where-Object Driver -eq vfio-pci | Disable-VfioDevice returns the NIC to e1000e' {
        $k = New-SimHost
        $d = Get-PciDevice | Where-Object Driver -eq vfio-pci | Disable-VfioDevice -Confirm:$false -PassThru
        $d.Address | Should -Be $W::FreeNic
        $d.Driver | Should -Be 'e1000e'
        $d.DriverOverride | Should -BeNullOrEmpty
        ($k.Writes | ForEach-Object { "$_" }) | Should -Be @(
            "/sys/bus/pci/devices/$($W::FreeNic)/driver_override <- \n",
            "/sys/bus/pci/devices/$($W::FreeNic)/driver/unbind <- $($W::FreeNic)",
            "/sys/bus/pci/drivers_probe <- $($W::FreeNic)")
        [System.IO.File]::Exists((Join-Path $k.Root dev/vfio/4)) | Should -BeFalse
    }

    It '-WhatIf lists the steps and writes nothing' {
        $k = New-SimHost
        $text = (Disable-VfioDevice $W::FreeNic -WhatIf -Verbose 4>&1 | ForEach-Object { "$_" }) -join "`n"
        $text | Should -Match ([regex]::Escape("clear driver_override (write a newline to /sys/bus/pci/devices/$($W::FreeNic)/driver_override)"))
        $text | Should -Match ([regex]::Escape("unbind $($W::FreeNic) from vfio-pci"))
        $text | Should -Match ([regex]::Escape("probe $($W::FreeNic)"))
        $k.Writes | Should -HaveCount 0
        $k.DriverOf($W::FreeNic) | Should -Be 'vfio-pci'
    }

    It '-Driver loads the named host driver and binds through a temporary override' {
        $k = New-SimHost
        $null = $k.Modules.Available('e1000', 'e1000', [string[]]@('8086:10d3'), $false)
        Disable-VfioDevice $W::FreeNic -Driver e1000 -Confirm:$false
        $k.DriverOf($W::FreeNic) | Should -Be 'e1000'
        $k.DriverOverrideOf($W::FreeNic) | Should -Be '(null)'
        $k.Modules.Loaded | Should -Contain 'e1000'
    }

    It 'warns with the modalias when no host driver matches' {
        $k = New-SimHost
        $null = $k.FailProbe('e1000e', [VirtTools.Host.Errno]::ENODEV)
        $null = Disable-VfioDevice $W::FreeNic -Confirm:$false -WarningVariable warn 3>$null
        ($warn -join "`n") | Should -Match "modprobe 'pci:v00008086d000010D3"
        $k.DriverOf($W::FreeNic) | Should -BeNullOrEmpty
        $k.DriverOverrideOf($W::FreeNic) | Should -Be '(null)'
    }

    It 'does nothing for a device on a host driver, and warns so without -Verbose' {
        $k = New-SimHost
        Disable-VfioDevice $W::RouteNic -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -Match '^Nothing to do: .*nothing to unbind'
        $k.Writes | Should -HaveCount 0
    }

    It 'clears a leftover vfio-pci override on an unbound device so the host driver binds again' {
        $k = New-SimHost
        Disable-VfioDevice $W::FreeNic -Confirm:$false
        $k.Write("/sys/bus/pci/devices/$($W::FreeNic)/driver_override", 'vfio-pci')
        $k.Write("/sys/bus/pci/devices/$($W::FreeNic)/driver/unbind", $W::FreeNic)
        Disable-VfioDevice $W::FreeNic -Confirm:$false
        $k.DriverOverrideOf($W::FreeNic) | Should -Be '(null)'
        $k.DriverOf($W::FreeNic) | Should -Be 'e1000e'
    }

    It '-Persist removes the driverctl file' {
        $k = New-SimHost -Persist
        $file = Join-Path $k.Root "etc/driverctl.d/pci-$($W::FreeNic)"
        [System.IO.File]::Exists($file) | Should -BeTrue
        Disable-VfioDevice $W::FreeNic -Persist -Confirm:$false
        [System.IO.File]::Exists($file) | Should -BeFalse
    }

    It '-Persist refuses to remove a file that names a host driver: PersistentOverrideConflict' {
        $k = New-SimHost
        $null = [System.IO.Directory]::CreateDirectory((Join-Path $k.Root etc/driverctl.d))
        [System.IO.File]::WriteAllText((Join-Path $k.Root "etc/driverctl.d/pci-$($W::FreeNic)"), "e1000e`n")
        { Disable-VfioDevice $W::FreeNic -Persist -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "PersistentOverrideConflict$Fq"
        $k.DriverOf($W::FreeNic) | Should -Be 'vfio-pci'
    }

    It 'EBUSY on unbind is DeviceBusy and the device stays on vfio-pci with its override' {
        $k = New-SimHost
        $null = $k.Fail('*/driver/unbind', [VirtTools.Host.Errno]::EBUSY, 1, 0)
        Disable-VfioDevice $W::FreeNic -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be "DeviceBusy$Fq"
        $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $err[0].TargetObject | Should -Be $W::FreeNic
        $k.DriverOf($W::FreeNic) | Should -Be 'vfio-pci'
        $k.DriverOverrideOf($W::FreeNic) | Should -Be 'vfio-pci'
    }

    It 'refuses a device a libvirt guest is defined with (DeviceAssignedToGuest) unless -Force; never one of a running guest; Get-PciDevice names that guest' {
        $k = New-SimHost
        $a = [VirtTools.Pci.PciAddress]::Parse($W::FreeNic)
        $hostdev = "<domain><name>db01</name><devices><hostdev mode='subsystem' type='pci'><source><address domain='0x0000' bus='0x{0:x2}' slot='0x{1:x2}' function='0x{2:x}'/></source></hostdev></devices></domain>" -f $a.Bus, $a.Slot, $a.Function
        $null = $k.Tree.File('/etc/libvirt/qemu/db01.xml', $hostdev)
        (Get-PciDevice $W::FreeNic).AssignedToGuest | Should -Be 'db01'
        Disable-VfioDevice $W::FreeNic -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be "DeviceAssignedToGuest$Fq"
        $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $err[0].TargetObject | Should -Be $W::FreeNic
        $err[0].Exception.Message | Should -Match "'db01'"
        $k.Writes.Count | Should -Be 0

        $null = $k.Tree.File('/run/libvirt/qemu/db01.xml', $hostdev)
        Disable-VfioDevice $W::FreeNic -Force -Confirm:$false -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -Be "DeviceInRunningGuest$Fq"
        $k.DriverOf($W::FreeNic) | Should -Be 'vfio-pci'
    }

    It 'a pass-through driver as -Driver is DriverIsPassthrough' {
        $null = New-SimHost
        { Disable-VfioDevice $W::FreeNic -Driver vfio-pci -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "DriverIsPassthrough$Fq"
    }

    It 'an unknown address is DeviceNotFound' {
        $null = New-SimHost
        { Disable-VfioDevice 0000:99:00.0 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "DeviceNotFound$Fq"
    }
}
