# Set-SriovVfCount against the simulated PCI kernel (tests/VirtTools.TestSupport/SimulatedKernel.cs):
# writes to sriov_numvfs and sriov_drivers_autoprobe act on a temp tree as drivers/pci/iov.c would.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    $env:SSH_CONNECTION = $null
    $Fq = ',VirtTools.Commands.SetSriovVfCountCommand'
    $Pf = $W::SriovNic

    function New-SimHost { New-SimulatedHost -Sriov -VfioLoaded }

    function Get-NumVfs($k) { [int]$k.ReadAllText("/sys/bus/pci/devices/$Pf/sriov_numvfs").Trim() }
}

AfterAll { Restore-TestHost }

Describe 'Set-SriovVfCount' {
    AfterEach { [VirtTools.Testing.SimulatedKernel]::Uninstall() }

    Context 'command shape' {
        It 'supports -WhatIf, is Medium impact and declares PciDevice output' {
            $c = Get-Command Set-SriovVfCount
            $c.Parameters.ContainsKey('WhatIf') | Should -BeTrue
            $c.OutputType.Name | Should -Contain 'VirtTools.PciDevice'
            Get-ConfirmImpact Set-SriovVfCount | Should -Be 'Medium'
        }

        It 'takes -Address at position 0 like Enable-VfioDevice and a mandatory -Count at position 1' {
            $c = Get-Command Set-SriovVfCount
            $a = $c.Parameters['Address']
            $a.Aliases | Should -Contain 'PciAddress'
            $a.Aliases | Should -Contain 'Bdf'
            $pa = $a.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
            $pa.Position | Should -Be 0
            $pa.ValueFromPipelineByPropertyName | Should -BeTrue
            ($a.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }).Type.Name | Should -Be 'PciAddressCompleter'
            $n = $c.Parameters['Count'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
            $n.Position | Should -Be 1
            $n.Mandatory | Should -BeTrue
            $c.Parameters['AutoProbe'].ParameterType | Should -Be ([bool])
        }
    }

    Context 'by parameter' {
        It 'creates VFs, changes a count through 0 and removes them' {
            $k = New-SimHost
            Set-SriovVfCount $Pf 2 -Confirm:$false
            Get-NumVfs $k | Should -Be 2
            Set-SriovVfCount -Address $Pf -Count 4 -Confirm:$false
            Get-NumVfs $k | Should -Be 4
            ($k.WritesTo('sriov_numvfs') | ForEach-Object Value) -join ',' | Should -Be '2,0,4'
            Set-SriovVfCount $Pf 0 -Confirm:$false
            Get-NumVfs $k | Should -Be 0
            (Get-PciDevice -VirtualFunction) | Should -BeNullOrEmpty
        }

        It 'says in -Verbose that the same count changes nothing' {
            $k = New-SimHost
            Set-SriovVfCount $Pf 2 -Confirm:$false
            $k.ClearLog()
            $v = Set-SriovVfCount $Pf 2 -Verbose 4>&1
            ($v -join "`n") | Should -Match 'already has 2 VFs'
            $k.Writes.Count | Should -Be 0
        }

        It 'writes the timing of each write and the new VFs to the verbose stream' {
            $null = New-SimHost
            $v = (Set-SriovVfCount $Pf 1 -Confirm:$false -Verbose 4>&1) -join "`n"
            $v | Should -Match 'sriov_numvfs = 1 took \d+\.\d{3} s'
            $v | Should -Match 'has 1 VFs: 0000:'
        }
    }

    Context 'by pipeline' {
        It 'runs the pipeline of the issue: PFs -> 2 VFs without autoprobe -> the VFs -> vfio-pci' {
            $k = New-SimHost
            $out = Get-PciDevice -Class Network | Where-Object SriovTotalVfs -gt 0 |
                Set-SriovVfCount -Count 2 -AutoProbe:$false -PassThru -Confirm:$false |
                Get-PciDevice -VirtualFunctionOf | Enable-VfioDevice -Confirm:$false -PassThru
            $out.Count | Should -Be 2
            $out | ForEach-Object { $_.Driver | Should -Be 'vfio-pci'; $_.PhysicalFunction | Should -Be $Pf }
            $k.ReadAllText("/sys/bus/pci/devices/$Pf/sriov_drivers_autoprobe").Trim() | Should -Be '0'
        }

        It '-PassThru emits the PF read again' {
            $null = New-SimHost
            $d = Set-SriovVfCount $Pf 3 -PassThru -Confirm:$false
            $d | Should -BeOfType VirtTools.PciDevice
            $d.Address | Should -Be $Pf
            $d.SriovNumVfs | Should -Be 3
            $d.VirtualFunctions.Count | Should -Be 3
        }

        It 'a wildcard keeps only the SR-IOV physical functions' {
            $k = New-SimHost
            Set-SriovVfCount '0000:0*' 1 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -BeNullOrEmpty
            Get-NumVfs $k | Should -Be 1
        }
    }

    Context '-WhatIf' {
        It 'describes every step, including the way through 0, and touches nothing' {
            $k = New-SimHost
            Set-SriovVfCount $Pf 2 -Confirm:$false
            $before = Get-TreeSnapshot $k.Root
            $k.ClearLog()
            $text = (Set-SriovVfCount $Pf 4 -AutoProbe:$false -Persist -WhatIf -Verbose 4>&1 | ForEach-Object { "$_" }) -join "`n"
            $text | Should -Match ([regex]::Escape("write 0 to /sys/bus/pci/devices/$Pf/sriov_drivers_autoprobe"))
            $text | Should -Match ([regex]::Escape("write 0 to /sys/bus/pci/devices/$Pf/sriov_numvfs (removes all 2 VFs"))
            $text | Should -Match ([regex]::Escape("write 4 to /sys/bus/pci/devices/$Pf/sriov_numvfs"))
            $text | Should -Match 'virtfn0\.\.virtfn3'
            $text | Should -Match '70-virttools-sriov\.rules'
            $k.Writes.Count | Should -Be 0
            Get-TreeSnapshot $k.Root | Should -Be $before
        }
    }

    Context 'errors' {
        It 'a count above TotalVFs is SriovCountAboveTotal, naming it, with nothing written' {
            $k = New-SimHost
            Set-SriovVfCount $Pf 9 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be "SriovCountAboveTotal$Fq"
            $err[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
            $err[0].TargetObject | Should -Be $Pf
            $err[0].Exception.Message | Should -Match 'TotalVFs 8'
            $k.Writes.Count | Should -Be 0
        }

        It 'a device without SR-IOV and a VF are refused' {
            $null = New-SimHost
            Set-SriovVfCount $W::FreeNic 1 -ErrorVariable e1 -ErrorAction SilentlyContinue
            $e1[0].FullyQualifiedErrorId | Should -Be "SriovNotSupported$Fq"
            Set-SriovVfCount $Pf 1 -Confirm:$false
            $vf = (Get-PciDevice -VirtualFunction)[0].Address
            Set-SriovVfCount $vf 1 -ErrorVariable e2 -ErrorAction SilentlyContinue
            $e2[0].FullyQualifiedErrorId | Should -Be "DeviceIsVirtualFunction$Fq"
            $e2[0].Exception.Message | Should -Match ([regex]::Escape($Pf))
        }

        It 'a bad address and a negative count are refused' {
            $null = New-SimHost
            Set-SriovVfCount 'nonsense' 1 -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -Be "InvalidPciAddress$Fq"
            { Set-SriovVfCount $Pf -1 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,VirtTools.Commands.SetSriovVfCountCommand'
        }

        It 'a kernel refusal (ENOMEM) is SriovResourcesExhausted and the VFs stay as they were' {
            $k = New-SimHost
            Set-SriovVfCount $Pf 2 -Confirm:$false
            $null = $k.Fail('*/sriov_numvfs', [VirtTools.Host.Errno]::ENOMEM, 1, 1)
            Set-SriovVfCount $Pf 4 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "SriovResourcesExhausted$Fq"
            $err[0].ErrorDetails.RecommendedAction | Should -Match 'pci=realloc'
            $err[0].Exception.Message | Should -Match 'has 2 VFs again'
            Get-NumVfs $k | Should -Be 2
        }

        It 'fewer VFs than asked is SriovFewerVfsEnabled and rolls back' {
            $k = New-SimHost
            $null = $k.LimitVfs($Pf, 1)
            Set-SriovVfCount $Pf 3 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "SriovFewerVfsEnabled$Fq"
            $err[0].Exception.Message | Should -Match 'only 1 of the 3'
            Get-NumVfs $k | Should -Be 0
        }
    }

    Context 'VFs in use' {
        It 'a VF held open through VFIO is refused even with -Force, naming the process' {
            $k = New-SimHost
            $vf = Set-SriovVfCount $Pf 2 -PassThru -Confirm:$false | Get-PciDevice -VirtualFunctionOf | Select-Object -First 1 |
                Enable-VfioDevice -Confirm:$false -PassThru
            $null = $k.HoldOpen(4242, 'qemu-system-x86', "/dev/vfio/$($vf.IommuGroup)", 20)
            $k.ClearLog()
            Set-SriovVfCount $Pf 0 -Force -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "SriovVfHeldOpen$Fq"
            $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
            $err[0].TargetObject | Should -Be $vf.Address
            $err[0].Exception.Message | Should -Match 'PID 4242 \(qemu-system-x86\)'
            $k.Writes.Count | Should -Be 0
            Get-NumVfs $k | Should -Be 2
        }

        It 'an idle vfio-pci VF needs -Force' {
            $k = New-SimHost
            $null = Set-SriovVfCount $Pf 1 -PassThru -Confirm:$false | Get-PciDevice -VirtualFunctionOf | Enable-VfioDevice -Confirm:$false
            Set-SriovVfCount $Pf 0 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be "SriovVfBoundToPassthrough$Fq"
            Get-NumVfs $k | Should -Be 1
            Set-SriovVfCount $Pf 0 -Force -Confirm:$false -WarningVariable warn 3>$null
            ($warn -join "`n") | Should -Match 'SriovVfBoundToPassthrough'
            Get-NumVfs $k | Should -Be 0
        }
    }

    Context 'confirmation' {
        It 'asks before removing VFs (High-impact question) but not before creating them' {
            $k = New-SimHost
            # A runspace without a host UI turns the question into an error: proof that it was asked.
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$((Join-Path $PSScriptRoot ../../VirtTools.psd1))'; Set-SriovVfCount $Pf 2").Invoke()
                $ps.Streams.Error | Should -BeNullOrEmpty
                Get-NumVfs $k | Should -Be 2
                $ps.Commands.Clear()
                $null = $ps.AddScript("Set-SriovVfCount $Pf 0").Invoke()
                ($ps.Streams.Error | Out-String) | Should -Match 'cannot answer a prompt'
                ($ps.Streams.Error | Out-String) | Should -Match 'removes the 2 VFs'
                Get-NumVfs $k | Should -Be 2
                $ps.Streams.Error.Clear()
                $ps.Commands.Clear()
                $null = $ps.AddScript("Set-SriovVfCount $Pf 0 -Confirm:`$false").Invoke()
                Get-NumVfs $k | Should -Be 0
            }
            finally { $ps.Dispose() }
        }
    }

    Context '-Persist' {
        It 'keeps one line per PF in its own rules file and Get-PciDevice shows it' {
            $k = New-SimHost
            $file = '/etc/udev/rules.d/70-virttools-sriov.rules'
            $k.Tree.File($file, "# admin note`n") | Out-Null
            Set-SriovVfCount $Pf 4 -Persist -Confirm:$false
            $k.ReadAllText($file) | Should -Match ([regex]::Escape("ACTION==""bind"", SUBSYSTEM==""pci"", KERNEL==""$Pf"", ATTR{sriov_numvfs}=""4"""))
            $k.ReadAllText($file) | Should -Match '^# admin note'
            (Get-PciDevice $Pf).PersistentSriovNumVfs | Should -Be 4
            Set-SriovVfCount $Pf 0 -Persist -Confirm:$false
            $k.ReadAllText($file) | Should -Be "# admin note`n"
            (Get-PciDevice $Pf).PersistentSriovNumVfs | Should -BeNullOrEmpty
        }
    }
}
