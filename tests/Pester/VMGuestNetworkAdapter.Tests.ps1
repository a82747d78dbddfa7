# The guest NIC cmdlets on libvirt's test driver (test:///default), in process. The test driver refuses
# every device call, so what attaches, detaches or updates a NIC is proven on the real daemon in
# VMGuestNetworkAdapter.Daemon.Tests.ps1; here: reading, the refusals made before any call, -WhatIf.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    $U = 'test:///default'
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)

    function New-NicGuest([string]$Name, [string]$Devices, [switch]$Start) {
        $d = $Keep.DefineDomain("<domain type='test'><name>$Name</name><memory unit='MiB'>128</memory>" +
            "<os><type arch='i686'>hvm</type></os><devices>$Devices</devices></domain>", 'None')
        if ($Start) { $d.Start('None') }
        $d.Dispose()
    }
    function Remove-NicGuest([string]$Name) {
        $d = $Keep.FindDomain($Name)
        if ($d) { if ($d.IsActive) { $d.Destroy('Default') }; $d.Undefine('None'); $d.Dispose() }
    }
    function Get-Xml([string]$Name, [switch]$Inactive) {
        $d = $Keep.FindDomain($Name)
        try { $d.GetXml($(if ($Inactive) { 'Inactive' } else { 'None' })) } finally { $d.Dispose() }
    }
    $TwoNics = "<interface type='bridge'><mac address='52:54:00:0a:0b:01'/><source bridge='br0'/><model type='e1000e'/><link state='down'/></interface>" +
        "<interface type='vhostuser'><mac address='52:54:00:0a:0b:02'/><source type='unix' path='/run/ovs/vhu0.sock' mode='client'/><model type='virtio'/></interface>"
}

AfterAll { $Keep.Dispose() }

Describe 'Get-VMGuestNetworkAdapter' {
    BeforeAll { New-NicGuest nic-off $TwoNics }
    AfterAll { Remove-NicGuest nic-off }

    It 'is exported with VMGuestNetworkAdapter output' {
        (Get-Command Get-VMGuestNetworkAdapter).OutputType.Name | Should -Contain 'VirtTools.VMGuestNetworkAdapter'
    }

    It 'shows a running guest''s NIC with the address libvirt''s DHCP lease gave, saying so' {
        $n = Get-VMGuestNetworkAdapter test -ConnectionUri $U
        $n.Guest | Should -Be 'test'
        $n.MacAddress | Should -Be 'aa:bb:cc:dd:ee:ff'
        $n.Type | Should -Be 'network'
        $n.Source | Should -Be 'default'
        $n.LinkState | Should -Be 'Up'
        $n.Device | Should -Be 'testnet0'
        $n.IPAddresses.Count | Should -Be 1
        $n.IPAddresses[0].Address | Should -Be '192.168.122.3'
        $n.IPAddresses[0].PrefixLength | Should -Be 24
        $n.IPAddresses[0].Source | Should -Be 'Lease'
        $n.ConnectionUri | Should -Be $U
    }

    It 'shows a shut-off guest''s definition: link state, model, a vhost-user socket, no addresses' {
        $n = @(Get-VMGuestNetworkAdapter nic-off -ConnectionUri $U)
        $n.Count | Should -Be 2
        $n[0].Connection | Should -Be 'bridge:br0'
        $n[0].LinkState | Should -Be 'Down'
        $n[0].Model | Should -Be 'e1000e'
        $n[1].Type | Should -Be 'vhostuser'
        $n[1].Source | Should -Be '/run/ovs/vhu0.sock'
        $n.ForEach({ $_.IPAddresses.Count }) | Should -Be @(0, 0)
        $n.Where({ $_.Device }) | Should -BeNullOrEmpty
        (Get-VMGuest nic-off -ConnectionUri $U).Interfaces | Should -Contain 'vhostuser:/run/ovs/vhu0.sock'
    }

    It 'takes guests from the pipeline, wildcards, and -MacAddress in any separator or case' {
        (Get-VMGuest nic-off -ConnectionUri $U | Get-VMGuestNetworkAdapter -MacAddress 52-54-00-0A-0B-02).Type | Should -Be 'vhostuser'
        @(Get-VMGuestNetworkAdapter 'nic-*', 'te?t' -ConnectionUri $U).Count | Should -Be 3
        @(Get-VMGuestNetworkAdapter -ConnectionUri $U).MacAddress | Should -Contain 'aa:bb:cc:dd:ee:ff'
        Get-VMGuestNetworkAdapter 'nomatch*' -ConnectionUri $U | Should -BeNullOrEmpty
    }

    It 'a guest that does not exist is GuestNotFound' {
        Get-VMGuestNetworkAdapter nosuch -ConnectionUri $U -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'GuestNotFound,VirtTools.Commands.GetVMGuestNetworkAdapterCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'fits 80 columns with the address and its source in the table' {
        $text = (Get-VMGuestNetworkAdapter test, nic-off -ConnectionUri $U | Out-String -Width 80) -replace "`e\[[0-9;]*m", ''
        $lines = $text -split "`r?`n"
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        $lines | Where-Object { $_ -match '^Guest\s' } | Should -Match '^Guest\s+MacAddress\s+Connection\s+Model\s+Link\s+IPAddresses\s*$'
        $lines | Where-Object { $_ -like 'test *' } | Should -Match 'network:default .*Up +192\.168\.122\.3 \(Lease\)'
        $list = (Get-VMGuestNetworkAdapter test -ConnectionUri $U | Format-List | Out-String -Width 80) -replace "`e\[[0-9;]*m", ''
        $list | Should -Match 'IPAddresses\s+: 192\.168\.122\.3/24 \(Lease\)'
    }

    It 'completes MACs of the named guest, with the guest and source as tooltip' {
        $line = "Get-VMGuestNetworkAdapter -ConnectionUri $U -Name nic-off -MacAddress 52:54:00:0a:0b:0"
        $r = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $r.CompletionText | Should -Be @('52:54:00:0a:0b:01', '52:54:00:0a:0b:02')
        $r[0].ToolTip | Should -BeLike 'nic-off: bridge:br0 e1000e Down'
    }
}

Describe 'New-VMGuest and networks (issue 20 items 7 and 8)' {
    AfterEach {
        $n = $Keep.FindNetwork('default'); if (-not $n.IsActive) { $n.Start() }; $n.Dispose()
        $n = $Keep.FindNetwork('nic-idle'); if ($n) { $n.Undefine(); $n.Dispose() }
        Remove-NicGuest nic-new
    }

    It 'puts a virtio NIC on an active default network when neither -Network nor -Bridge is given' {
        [xml]$x = New-VMGuest nic-new -ConnectionUri $U -XmlOnly -WarningAction SilentlyContinue
        $x.domain.devices.interface.type | Should -Be 'network'
        $x.domain.devices.interface.source.network | Should -Be 'default'
        $x.domain.devices.interface.model.type | Should -Be 'virtio'
        $g = New-VMGuest nic-new -ConnectionUri $U -WarningAction SilentlyContinue
        $g.Interfaces | Should -Be 'network:default'
        (Get-VMGuestNetworkAdapter nic-new -ConnectionUri $U).MacAddress | Should -Match '^52:54:00(:[0-9a-f]{2}){3}$'
    }

    It '-NoNetwork makes a guest without a NIC; with -Network it is refused' {
        [xml]$x = New-VMGuest nic-new -ConnectionUri $U -XmlOnly -NoNetwork -WarningVariable w -WarningAction SilentlyContinue
        $x.domain.devices.interface | Should -BeNullOrEmpty
        $w | Where-Object { $_ -like '*NIC*' } | Should -BeNullOrEmpty
        New-VMGuest nic-new -ConnectionUri $U -NoNetwork -Network default -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'NoNetworkWithNetwork,VirtTools.Commands.NewVMGuestCommand'
        Get-VMGuest nic-new -ConnectionUri $U -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'warns, and makes no NIC, when default is not active' {
        $n = $Keep.FindNetwork('default'); $n.Stop(); $n.Dispose()
        [xml]$x = New-VMGuest nic-new -ConnectionUri $U -XmlOnly -WarningVariable w -WarningAction SilentlyContinue
        $x.domain.devices.interface | Should -BeNullOrEmpty
        $w | Where-Object { $_ -like "*no NIC*'default' is not active*virsh net-start default*" } | Should -Not -BeNullOrEmpty
    }

    It 'refuses an inactive -Network before creating anything, advising to start it and mark it autostart' {
        $Keep.DefineNetwork("<network><name>nic-idle</name><bridge name='virbr9'/></network>").Dispose()
        New-VMGuest nic-new -ConnectionUri $U -Network nic-idle -NewDiskSizeBytes 1GB -StoragePool default-pool -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'NetworkNotActive,VirtTools.Commands.NewVMGuestCommand'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $e[0].ErrorDetails.RecommendedAction | Should -BeLike '*virsh net-start nic-idle; virsh net-autostart nic-idle'
        $e[0].Exception.Message | Should -BeLike '*Nothing was created.'
        Get-VMGuest nic-new -ConnectionUri $U -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $p = $Keep.FindStoragePool('default-pool'); try { $p.FindVolume('nic-new.qcow2') | Should -BeNullOrEmpty } finally { $p.Dispose() }
    }
}

Describe 'Add-, Remove- and Set-VMGuestNetworkAdapter on the test driver' {
    BeforeAll { New-NicGuest nic-off2 $TwoNics }
    AfterAll { Remove-NicGuest nic-off2 }

    It '<Cmd> is exported, Medium impact, with -WhatIf, -PassThru, -Live and -Persistent' -ForEach @(
        @{ Cmd = 'Add-VMGuestNetworkAdapter'; Out = 'VirtTools.VMGuestNetworkAdapter' }
        @{ Cmd = 'Remove-VMGuestNetworkAdapter'; Out = 'VirtTools.VMGuest' }
        @{ Cmd = 'Set-VMGuestNetworkAdapter'; Out = 'VirtTools.VMGuestNetworkAdapter' }) {
        $c = Get-Command $Cmd
        $c.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'Medium'
        foreach ($p in 'WhatIf', 'PassThru', 'Live', 'Persistent', 'ConnectionUri') { $c.Parameters.Keys | Should -Contain $p }
        $c.OutputType.Name | Should -Contain $Out
    }

    It '-WhatIf changes nothing' {
        $before = (Get-Xml test), (Get-Xml test -Inactive)
        Add-VMGuestNetworkAdapter test -ConnectionUri $U -Network default -MacAddress 52:54:00:01:02:03 -WhatIf | Should -BeNullOrEmpty
        Get-VMGuestNetworkAdapter test -ConnectionUri $U | Remove-VMGuestNetworkAdapter -WhatIf
        Set-VMGuestNetworkAdapter test aa:bb:cc:dd:ee:ff -ConnectionUri $U -LinkState Down -WhatIf
        ((Get-Xml test), (Get-Xml test -Inactive)) | Should -Be $before
    }

    It 'libvirt''s refusal is an error with the cmdlet''s own id that says nothing was changed' {
        $before = (Get-Xml test), (Get-Xml test -Inactive)
        Add-VMGuestNetworkAdapter test -ConnectionUri $U -Network default -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'NetworkAdapterAddRefused,VirtTools.Commands.AddVMGuestNetworkAdapterCommand'
        $e[0].Exception.Message | Should -BeLike '*Nothing was changed.'
        Remove-VMGuestNetworkAdapter test AA:BB:CC:DD:EE:FF -ConnectionUri $U -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'NetworkAdapterRemoveRefused,VirtTools.Commands.RemoveVMGuestNetworkAdapterCommand'
        ((Get-Xml test), (Get-Xml test -Inactive)) | Should -Be $before
    }

    It 'refuses before any call: <Why>' -ForEach @(
        @{ Why = 'a MAC in use'; Id = 'MacAddressInUse,VirtTools.Commands.AddVMGuestNetworkAdapterCommand'; Cat = 'ResourceExists'
           Run = { Add-VMGuestNetworkAdapter nic-off2 -ConnectionUri $U -Network default -MacAddress aa-bb-cc-dd-ee-ff -ErrorAction SilentlyContinue -ErrorVariable script:e } }
        @{ Why = 'a multicast MAC'; Id = 'InvalidMacAddress,VirtTools.Commands.AddVMGuestNetworkAdapterCommand'; Cat = 'InvalidArgument'
           Run = { Add-VMGuestNetworkAdapter nic-off2 -ConnectionUri $U -Bridge br0 -MacAddress 01:00:5e:00:00:01 -ErrorAction SilentlyContinue -ErrorVariable script:e } }
        @{ Why = 'a missing network'; Id = 'NetworkNotFound,VirtTools.Commands.AddVMGuestNetworkAdapterCommand'; Cat = 'ObjectNotFound'
           Run = { Add-VMGuestNetworkAdapter nic-off2 -ConnectionUri $U -Network nope -ErrorAction SilentlyContinue -ErrorVariable script:e } }
        @{ Why = '-Live on a shut-off guest'; Id = 'GuestNotRunning,VirtTools.Commands.AddVMGuestNetworkAdapterCommand'; Cat = 'InvalidOperation'
           Run = { Add-VMGuestNetworkAdapter nic-off2 -ConnectionUri $U -Network default -Live -ErrorAction SilentlyContinue -ErrorVariable script:e } }
        @{ Why = 'a MAC the guest does not have'; Id = 'NetworkAdapterNotFound,VirtTools.Commands.SetVMGuestNetworkAdapterCommand'; Cat = 'ObjectNotFound'
           Run = { Set-VMGuestNetworkAdapter nic-off2 52:54:00:99:99:99 -ConnectionUri $U -LinkState Up -ErrorAction SilentlyContinue -ErrorVariable script:e } }
        @{ Why = 'a guest that does not exist'; Id = 'GuestNotFound,VirtTools.Commands.RemoveVMGuestNetworkAdapterCommand'; Cat = 'ObjectNotFound'
           Run = { Remove-VMGuestNetworkAdapter nosuch 52:54:00:99:99:99 -ConnectionUri $U -ErrorAction SilentlyContinue -ErrorVariable script:e } }) {
        $before = Get-Xml nic-off2 -Inactive
        $script:e = $null
        & $Run
        $script:e[0].FullyQualifiedErrorId | Should -Be $Id
        $script:e[0].CategoryInfo.Category | Should -Be $Cat
        $script:e[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Get-Xml nic-off2 -Inactive | Should -Be $before
    }

    It 'piped NICs bind their guest through Guest, not as a guest name; a link already so is a warning' {
        $nics = Get-VMGuestNetworkAdapter nic-off2 -ConnectionUri $U
        $nics[0] | Set-VMGuestNetworkAdapter -LinkState Down -WarningVariable w -WarningAction SilentlyContinue -ErrorVariable e
        $e | Should -BeNullOrEmpty
        $w | Should -BeLike "*52:54:00:0a:0b:01 of guest 'nic-off2' is already Down in the definition*"
        $nics[1] | Set-VMGuestNetworkAdapter -LinkState Down -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'LinkStateChangeRefused,VirtTools.Commands.SetVMGuestNetworkAdapterCommand'
        $e[0].TargetObject | Should -Be '52:54:00:0a:0b:02'
    }

    It 'completes networks and models' {
        $line = "Add-VMGuestNetworkAdapter nic-off2 -ConnectionUri $U -Network def"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'default'
        $line = 'Add-VMGuestNetworkAdapter nic-off2 -Bridge br0 -Model e1'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('e1000e', 'e1000')
    }
}

Describe 'Get-VMNetwork' {
    AfterAll { $n = $Keep.FindNetwork('nic-iso'); if ($n) { $n.Undefine(); $n.Dispose() } }

    It 'shows the test driver''s default network: active, bridge, NAT, address and DHCP range' {
        $n = Get-VMNetwork default -ConnectionUri $U
        $n.Name | Should -Be 'default'
        $n.Active | Should -BeTrue
        $n.Autostart | Should -BeFalse
        $n.Persistent | Should -BeTrue
        $n.Bridge | Should -Be 'virbr0'
        $n.ForwardMode | Should -Be 'nat'
        $n.IPAddress | Should -Be '192.168.122.1/24'
        $n.DhcpRange | Should -Be '192.168.122.2-192.168.122.254'
        (Get-Command Get-VMNetwork).OutputType.Name | Should -Contain 'VirtTools.VMNetwork'
    }

    It 'an inactive isolated network without DHCP; wildcards; a missing name is NetworkNotFound' {
        $Keep.DefineNetwork("<network><name>nic-iso</name><bridge name='virbr7'/><ip address='10.7.0.1' prefix='16'/></network>").Dispose()
        $n = Get-VMNetwork 'nic-*' -ConnectionUri $U
        ($n.Active, $n.ForwardMode, $n.IPAddress, $n.DhcpRange) | Should -Be @($false, 'isolated', '10.7.0.1/16', $null)
        @(Get-VMNetwork -ConnectionUri $U).Name | Should -Be @('default', 'nic-iso')
        Get-VMNetwork nope -ConnectionUri $U -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'NetworkNotFound,VirtTools.Commands.GetVMNetworkCommand'
    }

    It 'fits 80 columns' {
        $lines = ((Get-VMNetwork -ConnectionUri $U | Out-String -Width 80) -replace "`e\[[0-9;]*m", '') -split "`r?`n"
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        $lines | Where-Object { $_ -like 'default *' } | Should -Match 'True +False +virbr0 +nat +192\.168\.122\.1/24 +192\.168\.122\.2-254\s*$'
    }
}
