# Set-SriovVf against the simulated kernel and a simulated `ip` that answers as igb did
# (see Support/SriovVf.ps1): each setting one `ip link set` call, checked first, undone on a refusal.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/SriovVf.ps1)
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $env:SSH_CONNECTION = $null
    $Fq = ',VirtTools.Commands.SetSriovVfCommand'
}

AfterAll { Restore-TestHost }

Describe 'Set-SriovVf' {
    AfterEach { [VirtTools.Testing.SimulatedKernel]::Uninstall() }

    Context 'command shape' {
        It 'supports -WhatIf, is Medium impact, binds PhysicalFunction and Index by property name' {
            $c = Get-Command Set-SriovVf
            $c.Parameters.ContainsKey('WhatIf') | Should -BeTrue
            $c.OutputType.Name | Should -Contain 'VirtTools.SriovVf'
            Get-ConfirmImpact Set-SriovVf | Should -Be 'Medium'
            foreach ($n in 'PhysicalFunction', 'Index') {
                ($c.Parameters[$n].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }).ValueFromPipelineByPropertyName | Should -BeTrue
            }
            ($c.Parameters['PhysicalFunction'].Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] }).Type.Name | Should -Be 'SriovPhysicalFunctionCompleter'
            $c.Parameters['SpoofCheck'].ParameterType | Should -Be ([bool])
        }

        It 'completes -PhysicalFunction with SR-IOV PFs only' {
            $null = New-VfHost
            $r = TabExpansion2 -inputScript 'Set-SriovVf -PhysicalFunction 0000:0' -cursorColumn 'Set-SriovVf -PhysicalFunction 0000:0'.Length
            $r.CompletionMatches.CompletionText | Should -Be @($Pf)
            $all = TabExpansion2 -inputScript 'Set-SriovVfCount -Address 0000:0' -cursorColumn 'Set-SriovVfCount -Address 0000:0'.Length
            $all.CompletionMatches.Count | Should -BeGreaterThan 1
        }
    }

    Context 'by parameter' {
        It 'sets MAC, VLAN with QoS, spoof check, trust and a rate, one ip call each, and -PassThru re-reads' {
            $h = New-VfHost
            $vf = Set-SriovVf -PhysicalFunction $Pf -Index 0 -MacAddress 02:11:22:33:44:55 -VlanId 100 -Qos 3 -SpoofCheck $false -Trust $true -MaxTxRate 100 -Confirm:$false -PassThru
            $vf | Should -BeOfType ([VirtTools.SriovVf])
            $vf.MacAddress | Should -Be '02:11:22:33:44:55'
            $vf.VlanId | Should -Be 100
            $vf.Qos | Should -Be 3
            $vf.SpoofCheck | Should -BeFalse
            $vf.Trust | Should -BeTrue
            $vf.MaxTxRate | Should -Be 100
            $h.Ip.Sets | Should -Be @(
                'link set dev enp8s0f0 vf 0 mac 02:11:22:33:44:55',
                'link set dev enp8s0f0 vf 0 vlan 100 qos 3',
                'link set dev enp8s0f0 vf 0 min_tx_rate 0 max_tx_rate 100',
                'link set dev enp8s0f0 vf 0 spoofchk off',
                'link set dev enp8s0f0 vf 0 trust on')
        }

        It 'runs nothing when the VF already has the settings' {
            $h = New-VfHost
            Set-SriovVf $Pf 1 -SpoofCheck $true -LinkState auto -Confirm:$false -Verbose 4>&1 | Out-String | Should -BeLike '*already*'
            $h.Ip.Sets.Count | Should -Be 0
        }
    }

    Context 'by pipeline' {
        It 'takes SriovVf objects from Get-SriovVf' {
            $h = New-VfHost
            $out = @(Get-SriovVf $Pf | Set-SriovVf -Trust $true -Confirm:$false -PassThru)
            $out.Index | Should -Be @(0, 1)
            $out.Trust | Should -Be @($true, $true)
            $h.Ip.Sets | Should -Be @('link set dev enp8s0f0 vf 0 trust on', 'link set dev enp8s0f0 vf 1 trust on')
        }
    }

    Context '-WhatIf' {
        It 'runs no ip link set' {
            $h = New-VfHost
            Set-SriovVf $Pf 0 -MacAddress 02:00:00:00:00:01 -VlanId 7 -WhatIf
            $h.Ip.Sets.Count | Should -Be 0
            (Get-SriovVf $Pf -Index 0).MacAddress | Should -Be '00:00:00:00:00:00'
        }

        It 'prints the exact ip command lines' {
            $script = @'
Import-Module ./VirtTools.psd1
Add-Type -Path ./tests/VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll
$root = Join-Path ([IO.Path]::GetTempPath()) ('vt-pester-sriovvf-' + [guid]::NewGuid().ToString('n'))
try {
    $k = [VirtTools.Testing.SimulatedHosts]::CreateSriovWorkstation($root, $true)
    $ip = [VirtTools.Testing.SimulatedIpLink]::new($k).AddPf('0000:08:00.0', 'enp8s0f0')
    $k.Write('/sys/bus/pci/devices/0000:08:00.0/sriov_numvfs', '2')
    $null = $k.Install()
    Set-SriovVf 0000:08:00.0 1 -MacAddress 02:00:00:00:00:01 -VlanId 7 -Qos 2 -WhatIf
    "SETS=$($ip.Sets.Count)"
} finally { Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue }
'@
            $repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).Path
            $r = Invoke-Child -Command (Get-PwshCommand) -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -WorkingDirectory $repo -Environment @{ SSH_CONNECTION = $null; VIRTTOOLS_ROOT = $null }
            $r.Error | Should -BeNullOrEmpty
            $r.Output | Should -BeLike '*What if:*VF 1 of 0000:08:00.0 (enp8s0f0)*'
            $r.Output | Should -BeLike '*ip link set dev enp8s0f0 vf 1 mac 02:00:00:00:00:01*'
            $r.Output | Should -BeLike '*ip link set dev enp8s0f0 vf 1 vlan 7 qos 2*'
            $r.Output | Should -BeLike '*SETS=0*'
        }
    }

    Context 'error ids' {
        It 'refuses <Name> before anything runs: <Id>' -ForEach @(
            @{ Name = 'a multicast MAC'; Settings = @{ MacAddress = '01:00:5e:00:00:01' }; Id = 'SriovVfMacAddressMulticast' }
            @{ Name = 'an all-zero MAC'; Settings = @{ MacAddress = '00:00:00:00:00:00' }; Id = 'SriovVfMacAddressZero' }
            @{ Name = 'a malformed MAC'; Settings = @{ MacAddress = '02:00:00:00:00' }; Id = 'SriovVfMacAddressInvalid' }
            @{ Name = 'VLAN 4096'; Settings = @{ VlanId = 4096 }; Id = 'SriovVfVlanOutOfRange' }
            @{ Name = 'QoS without VLAN'; Settings = @{ Qos = 3 }; Id = 'SriovVfQosWithoutVlan' }
            @{ Name = 'min above max'; Settings = @{ MinTxRate = 200; MaxTxRate = 100 }; Id = 'SriovVfMinRateAboveMaxRate' }
            @{ Name = 'no setting'; Settings = @{}; Id = 'SriovVfNoSettingGiven' }
        ) {
            $h = New-VfHost
            Set-SriovVf $Pf 0 @Settings -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -Be "$Id$Fq"
            $e[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $h.Ip.Sets.Count | Should -Be 0
        }

        It 'an index beyond the VFs, a PF without VFs, a VF given as PF' {
            $h = New-VfHost
            Set-SriovVf $Pf 2 -Trust $true -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -Be "SriovVfIndexOutOfRange$Fq"
            $e[0].Exception.Message | Should -BeLike '*has 2 VFs*'
            Set-SriovVf $h.Kernel.Tree.VfAddress($Pf, 0) 0 -Trust $true -Confirm:$false -ErrorVariable e2 -ErrorAction SilentlyContinue
            $e2[0].FullyQualifiedErrorId | Should -Be "DeviceIsVirtualFunction$Fq"
            $h.Kernel.Write("/sys/bus/pci/devices/$Pf/sriov_numvfs", '0')
            Set-SriovVf $Pf 0 -Trust $true -Confirm:$false -ErrorVariable e3 -ErrorAction SilentlyContinue
            $e3[0].FullyQualifiedErrorId | Should -Be "SriovPfHasNoVfs$Fq"
            $h.Ip.Sets.Count | Should -Be 0
        }

        It 'turns the kernel refusal of a link state into SriovVfSettingNotSupported and puts the MAC back' {
            $h = New-VfHost
            Set-SriovVf $Pf 0 -MacAddress 02:00:00:00:00:aa -LinkState disable -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -Be "SriovVfSettingNotSupported$Fq"
            $e[0].CategoryInfo.Category | Should -Be 'NotImplemented'
            $e[0].Exception.Message | Should -BeLike '*Operation not supported*put back*'
            $e[0].ErrorDetails.RecommendedAction | Should -BeLike '*-LinkState*'
            (Get-SriovVf $Pf -Index 0).MacAddress | Should -Be '00:00:00:00:00:00'
            $h.Ip.Sets[-1] | Should -Be 'link set dev enp8s0f0 vf 0 mac 00:00:00:00:00:00'
        }

        It 'a minimum rate is SriovVfSettingRejected, as igb answers' {
            $null = New-VfHost
            Set-SriovVf $Pf 1 -MinTxRate 10 -MaxTxRate 100 -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -Be "SriovVfSettingRejected$Fq"
        }

        It 'refuses the MAC of a VF whose interface has an address without -Force, applies it with -Force' {
            $h = New-VfHost
            $null = $h.Ip.AddVfInterface($Pf, 1, 'enp8s0f0v1', '203.0.113.5/24')
            Set-SriovVf $Pf 1 -MacAddress 02:00:00:00:00:01 -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
            $e[0].FullyQualifiedErrorId | Should -Be "DeviceHasIpAddress$Fq"
            $e[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
            $h.Ip.Sets.Count | Should -Be 0
            $vf = Set-SriovVf $Pf 1 -MacAddress 02:00:00:00:00:01 -Force -Confirm:$false -PassThru -WarningVariable w -WarningAction SilentlyContinue
            $vf.MacAddress | Should -Be '02:00:00:00:00:01'
            $vf.Interface | Should -Be 'enp8s0f0v1'
            $w.Count | Should -Be 1
        }
    }
}
