# New-, Remove-, Start-, Stop-VMNetwork and Get-VMNetworkLease on libvirt's test driver (test:///default:
# 'default' is active on 192.168.122.1/24 and the running guest 'test' has a NIC on it), with the host's
# routes from a synthetic /proc/net under VIRTTOOLS_ROOT. What a real dnsmasq leases is proven on the real
# daemon in VMNetworkPool.Daemon.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    $U = 'test:///default'
    $Root = New-TestTempPath 'vt-vmnet'
    $null = New-Item -ItemType Directory (Join-Path $Root proc/net), (Join-Path $Root sys/class/net/br0/bridge), (Join-Path $Root sys/class/net/eth0)
    Set-Content (Join-Path $Root proc/net/route) -NoNewline -Value ("Iface`tDestination`tGateway `tFlags`tRefCnt`tUse`tMetric`tMask`t`tMTU`tWindow`tIRTT`n" +
        "eth0`t00000000`t010200C0`t0003`t0`t0`t0`t00000000`t0`t0`t0`n" +
        "eth0`t000200C0`t00000000`t0001`t0`t0`t0`t00FFFFFF`t0`t0`t0`n")
    $env:VIRTTOOLS_ROOT = $Root
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)

    function Get-NetworkNames { $Keep.ListNetworks() | ForEach-Object { $_.Name; $_.Dispose() } | Sort-Object }
    function Remove-TestNetworks {
        foreach ($n in $Keep.ListNetworks()) {
            if ($n.Name -like 'pn-*') { if ($n.IsActive) { $n.Stop() }; if ($n.IsPersistent) { $n.Undefine() } }
            $n.Dispose()
        }
        $d = $Keep.FindNetwork('default'); if (-not $d.IsActive) { $d.Start() }; $d.Dispose()
    }
}

AfterAll {
    Remove-TestNetworks
    $Keep.Dispose()
    Restore-TestHost
}

Describe 'New-VMNetwork' {
    AfterEach { Remove-TestNetworks }

    It 'creates, starts and autostarts a NAT network with its gateway and DHCP range, shown by the view in 80 columns' {
        $n = New-VMNetwork pn-nat -Subnet 192.168.150.0/24 -AutoStart -PassThru -ConnectionUri $U
        $n | Should -BeOfType VirtTools.VMNetwork
        $n.Active, $n.Autostart, $n.ForwardMode, $n.IPAddress, $n.DhcpRange | Should -Be @($true, $true, 'nat', '192.168.150.1/24', '192.168.150.2-192.168.150.254')
        $lines = (Get-VMNetwork pn-nat -ConnectionUri $U | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        $lines[-1] | Should -Match '^pn-nat\s+True\s+True\s+.*nat\s+192\.168\.150\.1/24\s+192\.168\.150\.2-254$'
    }

    It '-Mode <Mode> writes forward mode <Forward>' -ForEach @(
        @{ Mode = 'Route'; Subnet = '10.41.0.0/24'; Forward = 'route' }
        @{ Mode = 'Open'; Subnet = '10.42.0.0/24'; Forward = 'open' }
        @{ Mode = 'Isolated'; Subnet = '10.43.0.0/24'; Forward = 'isolated' }
    ) {
        (New-VMNetwork "pn-$Mode".ToLower() -Mode $Mode -Subnet $Subnet -PassThru -ConnectionUri $U).ForwardMode | Should -Be $Forward
    }

    It 'a -Mode Bridge network on a host bridge; -NoStart leaves it inactive' {
        $n = New-VMNetwork pn-br -Mode Bridge -Bridge br0 -NoStart -PassThru -ConnectionUri $U
        $n.ForwardMode, $n.Bridge, $n.Active | Should -Be @('bridge', 'br0', $false)
    }

    It '-WhatIf creates nothing' {
        $before = Get-NetworkNames
        New-VMNetwork pn-what -Subnet 10.50.0.0/16 -WhatIf -ConnectionUri $U
        Get-NetworkNames | Should -Be $before
    }

    It 'refuses <Why> with <Id> and leaves nothing behind' -ForEach @(
        @{ Why = 'a subnet overlapping the default network'; Id = 'NetworkSubnetOverlaps'; Category = 'ResourceExists'; Name = 'pn-bad'; Extra = @{ Subnet = '192.168.122.0/25' }; Says = "libvirt network 'default'" }
        @{ Why = 'a subnet overlapping a host route'; Id = 'NetworkSubnetOverlaps'; Category = 'ResourceExists'; Name = 'pn-bad'; Extra = @{ Subnet = '192.0.2.128/25' }; Says = 'route to 192.0.2.0/24 \(dev eth0\)' }
        @{ Why = 'a name in use'; Id = 'NetworkNameInUse'; Category = 'ResourceExists'; Name = 'default'; Extra = @{ Subnet = '10.60.0.0/24' }; Says = 'already exists' }
        @{ Why = 'a name with a slash'; Id = 'InvalidNetworkName'; Category = 'InvalidArgument'; Name = 'pn/x'; Extra = @{ Subnet = '10.60.0.0/24' }; Says = "contains '/'" }
        @{ Why = 'a subnet that is not CIDR'; Id = 'InvalidNetworkSubnet'; Category = 'InvalidArgument'; Name = 'pn-bad'; Extra = @{ Subnet = '10.60.0.0' }; Says = 'prefix length' }
        @{ Why = 'NAT without a subnet'; Id = 'NetworkSubnetRequired'; Category = 'InvalidArgument'; Name = 'pn-bad'; Extra = @{}; Says = 'needs -Subnet' }
        @{ Why = 'a bridge that is not one'; Id = 'HostBridgeNotFound'; Category = 'ObjectNotFound'; Name = 'pn-bad'; Extra = @{ Mode = 'Bridge'; Bridge = 'eth0' }; Says = 'not a bridge' }
        @{ Why = '-Bridge with NAT'; Id = 'NetworkBridgeNotApplicable'; Category = 'InvalidArgument'; Name = 'pn-bad'; Extra = @{ Bridge = 'br0'; Subnet = '10.60.0.0/24' }; Says = 'Mode Bridge only' }
    ) {
        $before = Get-NetworkNames
        $a = $Extra
        New-VMNetwork $Name @a -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,VirtTools.Commands.NewVMNetworkCommand"
        $err[0].CategoryInfo.Category | Should -Be $Category
        $err[0].Exception.Message | Should -Match $Says
        Get-NetworkNames | Should -Be $before
    }
}

Describe 'Start-, Stop- and Remove-VMNetwork' {
    BeforeEach { $null = New-VMNetwork pn-a -Subnet 10.71.0.0/24 -ConnectionUri $U; $null = New-VMNetwork pn-b -Subnet 10.72.0.0/24 -NoStart -ConnectionUri $U }
    AfterEach { Remove-TestNetworks }

    It 'declare their confirm impact' {
        Get-ConfirmImpact Remove-VMNetwork | Should -Be 'High'
        Get-ConfirmImpact Stop-VMNetwork | Should -Be 'Medium'
        Get-ConfirmImpact New-VMNetwork | Should -Be 'Medium'
    }

    It 'start and stop by wildcard and from Get-VMNetwork''s objects' {
        (Start-VMNetwork pn-* -PassThru -ConnectionUri $U).Active | Should -Be @($true, $true)
        (Get-VMNetwork pn-* -ConnectionUri $U | Stop-VMNetwork -PassThru).Active | Should -Be @($false, $false)
        (Get-VMNetwork default -ConnectionUri $U).Active | Should -BeTrue
    }

    It 'remove an active and an inactive network, piped, -PassThru giving them as they were' {
        $gone = Get-VMNetwork pn-* -ConnectionUri $U | Remove-VMNetwork -Confirm:$false -PassThru
        $gone.Name | Should -Be @('pn-a', 'pn-b')
        $gone.Active | Should -Be @($true, $false)
        Get-NetworkNames | Should -Not -Contain 'pn-a'
        Get-NetworkNames | Should -Not -Contain 'pn-b'
    }

    It '-WhatIf changes nothing' {
        Remove-VMNetwork pn-* -WhatIf -ConnectionUri $U
        Stop-VMNetwork pn-a -WhatIf -ConnectionUri $U
        Start-VMNetwork pn-b -WhatIf -ConnectionUri $U
        (Get-VMNetwork pn-* -ConnectionUri $U).Active | Should -Be @($true, $false)
    }

    It 'refuse to remove or stop a network a running guest uses, naming the guest; -Force does it' {
        Remove-VMNetwork default -Confirm:$false -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'NetworkInUse,VirtTools.Commands.RemoveVMNetworkCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $err[0].Exception.Message | Should -Match "running guest 'test'"
        Stop-VMNetwork default -ConnectionUri $U -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -Be 'NetworkInUse,VirtTools.Commands.StopVMNetworkCommand'
        (Get-VMNetwork default -ConnectionUri $U).Active | Should -BeTrue
        (Stop-VMNetwork default -Force -PassThru -ConnectionUri $U).Active | Should -BeFalse
    }

    It 'a name that does not exist is NetworkNotFound; a pattern matching nothing is silent' {
        Start-VMNetwork pn-none -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'NetworkNotFound,VirtTools.Commands.StartVMNetworkCommand'
        Start-VMNetwork pn-none* -ConnectionUri $U -ErrorVariable err3
        $err3.Count | Should -Be 0
    }
}

Describe 'Get-VMNetworkLease' {
    It 'is exported with VMNetworkLease output and a view that fits 80 columns' {
        (Get-Command Get-VMNetworkLease).OutputType.Name | Should -Contain 'VirtTools.VMNetworkLease'
        $view = (Get-FormatData VirtTools.VMNetworkLease).FormatViewDefinition[0].Control
        ($view.Headers.Width | Measure-Object -Sum).Sum + $view.Headers.Count + 16 | Should -BeLessOrEqual 80
    }

    It 'says the test driver has no DHCP leases, as an error for that network' {
        Get-VMNetwork default -ConnectionUri $U | Get-VMNetworkLease -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike '*,VirtTools.Commands.GetVMNetworkLeaseCommand'
        $err[0].Exception.Message | Should -Match 'virNetworkGetDHCPLeases'
    }
}

Describe 'Network name completion' {
    It 'offers the networks of the connection for -Name' {
        $line = 'Start-VMNetwork -ConnectionUri test:///default -Name def'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Contain 'default'
    }
}
