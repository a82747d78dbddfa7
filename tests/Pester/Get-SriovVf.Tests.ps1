# Get-SriovVf against the simulated kernel and a simulated `ip` (see Support/SriovVf.ps1).
BeforeAll {
    . (Join-Path $PSScriptRoot Support/SriovVf.ps1)
    $Fq = ',VirtTools.Commands.GetSriovVfCommand'
}

AfterAll { Restore-TestHost }

Describe 'Get-SriovVf' {
    AfterEach { [VirtTools.Testing.SimulatedKernel]::Uninstall() }

    Context 'command shape' {
        It 'takes -Address at position 0 by value and by property name, -Index at 1, and declares SriovVf' {
            $c = Get-Command Get-SriovVf
            $c.OutputType.Name | Should -Contain 'VirtTools.SriovVf'
            $a = $c.Parameters['Address'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
            $a.Position | Should -Be 0
            $a.ValueFromPipeline | Should -BeTrue
            $a.ValueFromPipelineByPropertyName | Should -BeTrue
            ($c.Parameters['Index'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }).Position | Should -Be 1
        }
    }

    Context 'by parameter' {
        It 'lists every VF of a PF with its address, driver and settings' {
            $h = New-VfHost
            $vfs = @(Get-SriovVf $Pf)
            $vfs.Count | Should -Be 2
            $vfs[0] | Should -BeOfType ([VirtTools.SriovVf])
            $vfs.Index | Should -Be @(0, 1)
            $vfs.PfInterface | Should -Be @('enp8s0f0', 'enp8s0f0')
            $vfs[1].Address | Should -Be $h.Kernel.Tree.VfAddress($Pf, 1)
            $vfs[1].Driver | Should -Be 'ixgbevf'
            $vfs[0].MacAddress | Should -Be '00:00:00:00:00:00'
            $vfs[0].SpoofCheck | Should -BeTrue
            $vfs[0].LinkState | Should -Be 'auto'
            $h.Kernel.Processes.Calls | Should -Contain 'ip -j -d link show dev enp8s0f0'
        }

        It 'without -Address lists the VFs of every SR-IOV PF instead of prompting' {
            $null = New-VfHost
            $a = (Get-Command Get-SriovVf).Parameters['Address'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
            $a.Mandatory | Should -BeFalse
            @(Get-SriovVf).Count | Should -Be 2
        }

        It '-Index picks VFs, a missing one is SriovVfIndexOutOfRange' {
            $null = New-VfHost
            (Get-SriovVf $Pf -Index 1).Index | Should -Be 1
            $r = Get-SriovVf $Pf -Index 0, 7 -ErrorVariable e -ErrorAction SilentlyContinue
            @($r).Count | Should -Be 1
            $e[0].FullyQualifiedErrorId | Should -Be "SriovVfIndexOutOfRange$Fq"
        }

        It 'a PF without a netdev is SriovPfWithoutNetDevice, a function without SR-IOV SriovNotSupported' {
            $h = New-VfHost
            Get-SriovVf $W::RootNvme -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -Be "SriovNotSupported$Fq"
            $h.Kernel.Tree.Sriov($W::RootNvme, 4, 0, 'a809')
            Get-SriovVf $W::RootNvme -ErrorVariable e2 -ErrorAction SilentlyContinue
            $e2[0].FullyQualifiedErrorId | Should -Be "SriovPfWithoutNetDevice$Fq"
            $e2[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e2[0].Exception.Message | Should -BeLike '*storage controller*'
            Get-SriovVf 0000:7f:00.0 -ErrorVariable e3 -ErrorAction SilentlyContinue
            $e3[0].FullyQualifiedErrorId | Should -Be "DeviceNotFound$Fq"
        }
    }

    Context 'by pipeline' {
        It 'takes PciDevice objects: a PF gives all its VFs, each VF itself' {
            $null = New-VfHost
            @(Get-PciDevice $Pf | Get-SriovVf).Count | Should -Be 2
            $one = @(Get-PciDevice $Pf -VirtualFunctionOf | Select-Object -Last 1 | Get-SriovVf)
            $one.Count | Should -Be 1
            $one[0].Index | Should -Be 1
        }

        It 'a wildcard keeps the SR-IOV PFs' {
            $null = New-VfHost
            @(Get-SriovVf '0000:0*' -Verbose 4>$null).Count | Should -Be 2
        }
    }

    Context 'view' {
        It 'the table fits 80 columns' {
            $null = New-VfHost
            $lines = (Get-SriovVf $Pf | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }
            $lines.Count | Should -BeGreaterThan 2
            foreach ($l in $lines) { $l.TrimEnd().Length | Should -BeLessOrEqual 80 }
            $lines[0] | Should -Match 'MacAddress'
        }
    }
}
