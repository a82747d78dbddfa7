# Connect-VHSLibvirt, Get-VHSLibvirtConnection and Disconnect-VHSLibvirt on libvirt's test driver (issue 22
# goal 4). The test driver keeps a guest only while the connection it was defined on is open, so a guest one
# command defines and the next one sees proves that the second used the connection the first did. A
# test-driver file (test:///PATH) builds a new state on every open, test:///default one per process while any
# connection to it is open. The daemon side (a killed and revived libvirtd) is in Connect-VHSLibvirt.Daemon.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $D = 'test:///default'
    $dir = New-TestTempPath 'vt-connect'
    $null = New-Item -ItemType Directory $dir
    $node = Join-Path $dir 'node.xml'
    Set-Content $node "<node><domain type='test'><name>seed</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='i686'>hvm</type></os></domain></node>"
    $F = "test://$node"
    $G = @{ Hypervisor = 'QEMU'; MemoryBytes = 128MB; ProcessorCount = 1; NoNetwork = $true; WarningAction = 'SilentlyContinue' }
    function Complete([string]$Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches }
    function Get-Names([string]$Uri) { @(Get-VMGuest -ConnectionUri $Uri | ForEach-Object Name) }
}

AfterAll {
    [VirtTools.Libvirt.KeptLibvirtConnections]::DisconnectAll()
    Restore-TestHost
}

Describe 'A connection kept for the session' {
    AfterEach { [VirtTools.Libvirt.KeptLibvirtConnections]::DisconnectAll() }

    It 'without Connect-VHSLibvirt each command connects anew: a guest one defines, the next does not see' {
        $null = New-VMGuest apart -ConnectionUri $F @G
        Get-Names $F | Should -Be @('seed')
        Get-VHSLibvirtConnection | Should -BeNullOrEmpty
    }

    It 'after Connect-VHSLibvirt the next command sees what the one before did, until Disconnect-VHSLibvirt' {
        $k = Connect-VHSLibvirt -ConnectionUri $F
        $k | Should -BeOfType VirtTools.LibvirtConnectionInfo
        $k.Uri, $k.Driver, $k.IsAlive, $k.Reconnects | Should -Be @($F, 'TEST', $true, 0)
        $k.LibvirtVersion | Should -BeOfType [version]
        $null = New-VMGuest kept1 -ConnectionUri $F @G
        $null = New-VMGuest kept2 -ConnectionUri $F @G
        Get-Names $F | Sort-Object | Should -Be @('kept1', 'kept2', 'seed')
        Start-VMGuest kept1 -ConnectionUri $F
        (Get-VMGuest kept1 -ConnectionUri $F).State | Should -Be 'Running'

        Disconnect-VHSLibvirt -ConnectionUri $F
        Get-Names $F | Should -Be @('seed')
    }

    It 'does the same for test:///default: state between commands while kept, gone after Disconnect' {
        $null = New-VMGuest dflt -ConnectionUri $D @G
        Get-Names $D | Should -Not -Contain 'dflt'
        $null = Connect-VHSLibvirt $D
        $null = New-VMGuest dflt -ConnectionUri $D @G
        Get-Names $D | Should -Contain 'dflt'
        Get-VHSLibvirtConnection | Disconnect-VHSLibvirt
        Get-Names $D | Should -Not -Contain 'dflt'
    }

    It 'uses the kept connection for the default URI too (LIBVIRT_DEFAULT_URI unchanged by Connect)' {
        $saved = $env:LIBVIRT_DEFAULT_URI
        try {
            $env:LIBVIRT_DEFAULT_URI = $F
            (Connect-VHSLibvirt).Uri | Should -BeExactly $F
            $env:LIBVIRT_DEFAULT_URI | Should -BeExactly $F
            $null = New-VMGuest viadefault @G
            Get-Names $F | Should -Contain 'viadefault'
        }
        finally { $env:LIBVIRT_DEFAULT_URI = $saved }
    }

    It 'connecting to a kept URI again returns the same connection without opening another' {
        $a = Connect-VHSLibvirt $F
        $null = New-VMGuest again -ConnectionUri $F @G
        $v = @(Connect-VHSLibvirt $F -Verbose 4>&1)
        ($v | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message | Should -Match 'kept open already'
        $b = $v | Where-Object { $_ -is [VirtTools.LibvirtConnectionInfo] }
        $b.ConnectedAt | Should -Be $a.ConnectedAt
        Get-Names $F | Should -Contain 'again'
        @(Get-VHSLibvirtConnection).Count | Should -Be 1
    }

    It 'takes URIs from the pipeline, by value and by property name' {
        $got = @($F, $D | Connect-VHSLibvirt)
        $got.Uri | Should -Be @($F, $D)
        @([pscustomobject]@{ ConnectionUri = $F } | Connect-VHSLibvirt).Uri | Should -Be @($F)
        (Connect-VHSLibvirt $F, $D).Uri | Should -Be @($F, $D)
        @(Get-VHSLibvirtConnection).Count | Should -Be 2
    }
}

Describe 'Get-VHSLibvirtConnection and Disconnect-VHSLibvirt' {
    BeforeEach { $null = Connect-VHSLibvirt $F, $D }
    AfterEach { [VirtTools.Libvirt.KeptLibvirtConnections]::DisconnectAll() }

    It 'lists every kept connection, sorted, or those -ConnectionUri names with wildcards' {
        (Get-VHSLibvirtConnection).Uri | Should -Be (@($F, $D) | Sort-Object -CaseSensitive)
        (Get-VHSLibvirtConnection -ConnectionUri 'test:///def*').Uri | Should -Be @($D)
        Get-VHSLibvirtConnection 'qemu*' | Should -BeNullOrEmpty
    }

    It 'matches a URI holding ? literally, and fits its table in 80 columns' {
        $q = "test://${node}?x=1"
        # libvirt passes the query to the driver, which ignores it: a URI with ? that opens.
        $null = Connect-VHSLibvirt $q
        (Get-VHSLibvirtConnection $q).Uri | Should -BeExactly $q
        # '?' is no wildcard here: a URI that differs after it is not kept, and that is an error.
        $e = $null
        Get-VHSLibvirtConnection "test://${node}?x=2" -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e.Count | Should -Be 1
        $lines = (Get-VHSLibvirtConnection | Out-String -Width 80) -split "`n" | Where-Object { $_.Trim() }
        $lines[0] -replace "`e\[[0-9;]*m" -split '\s+' | Where-Object { $_ } | Should -Be @('Uri', 'Driver', 'Hostname', 'Version', 'Alive', 'Connected(UTC)')
        $lines | ForEach-Object { ($_ -replace "`e\[[0-9;]*m").TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'a plain URI that is not kept is an error with a stable id; a pattern that matches nothing is not' {
        $e = $null
        Disconnect-VHSLibvirt qemu:///system -ErrorVariable e -ErrorAction SilentlyContinue
        $e.FullyQualifiedErrorId | Should -Be 'LibvirtConnectionNotKept,VirtTools.Commands.DisconnectVHSLibvirtCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e[0].TargetObject | Should -Be 'qemu:///system'
        $e = $null
        Get-VHSLibvirtConnection qemu:///system -ErrorVariable e -ErrorAction SilentlyContinue
        $e.FullyQualifiedErrorId | Should -Be 'LibvirtConnectionNotKept,VirtTools.Commands.GetVHSLibvirtConnectionCommand'
        Disconnect-VHSLibvirt 'qemu*' -ErrorAction Stop
        @(Get-VHSLibvirtConnection).Count | Should -Be 2
    }

    It 'Get-VHSLibvirtConnection | Disconnect-VHSLibvirt -PassThru closes each and returns it' {
        $gone = @(Get-VHSLibvirtConnection $D | Disconnect-VHSLibvirt -PassThru)
        $gone.Uri | Should -Be @($D)
        $gone[0].IsAlive | Should -BeFalse
        (Get-VHSLibvirtConnection).Uri | Should -Be @($F)
        Disconnect-VHSLibvirt | Should -BeNullOrEmpty
        Get-VHSLibvirtConnection | Should -BeNullOrEmpty
    }

    It 'Get-VHSLibvirtConnection | Get-VMGuest (Get-VMNetwork, Get-VMStoragePool) reads each kept URI, not a guest named after it; a -Name given still counts' {
        $null = Connect-VHSLibvirt $F, $D
        $null = New-VMGuest piped1 -ConnectionUri $F @G
        $all = @(Get-VHSLibvirtConnection | Get-VMGuest -ErrorVariable bad -ErrorAction SilentlyContinue)
        $bad | Should -BeNullOrEmpty
        # test:///default comes with its guest "test"; the file with "seed" and the one defined above.
        @($all | Where-Object ConnectionUri -EQ $F | ForEach-Object Name) | Should -Be @('piped1', 'seed')
        @($all | Where-Object ConnectionUri -EQ $D | ForEach-Object Name) | Should -Be @('test')
        @(Get-VHSLibvirtConnection $D | Get-VMNetwork -ErrorAction Stop).Name | Should -Contain 'default'
        @(Get-VHSLibvirtConnection $D | Get-VMStoragePool -ErrorAction Stop).Name | Should -Contain 'default-pool'
        @(Get-VHSLibvirtConnection $D | Get-VMGuest test -ErrorAction Stop).Name | Should -Be @('test')
    }

    It 'completes -ConnectionUri with the kept URIs' {
        (Complete 'Disconnect-VHSLibvirt -ConnectionUri test:///d').CompletionText | Should -Be @($D)
        @(Complete 'Get-VHSLibvirtConnection -ConnectionUri test:').Count | Should -Be 2
    }
}

Describe 'Connect-VHSLibvirt failures' {
    AfterEach { [VirtTools.Libvirt.KeptLibvirtConnections]::DisconnectAll() }

    It 'a URI that does not open is an error for that URI and nothing is kept; the next piped URI still connects' {
        $e = $null
        $ok = @("test://$dir/missing.xml", $D | Connect-VHSLibvirt -ErrorVariable e -ErrorAction SilentlyContinue)
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'Libvirt*,VirtTools.Commands.ConnectVHSLibvirtCommand'
        $e[0].TargetObject | Should -Be "test://$dir/missing.xml"
        $ok.Uri | Should -Be @($D)
        (Get-VHSLibvirtConnection).Uri | Should -Be @($D)
    }

    It 'a URI of no driver says so' {
        { Connect-VHSLibvirt bogus:///x -ErrorAction Stop } | Should -Throw -ErrorId 'LibvirtUriInvalid,VirtTools.Commands.ConnectVHSLibvirtCommand'
        Get-VHSLibvirtConnection | Should -BeNullOrEmpty
    }
}

Describe 'Remove-Module' {
    It 'closes the kept connections' {
        $module = (Resolve-Path (Join-Path $PSScriptRoot ../../VirtTools.psd1)).Path
        $r = Invoke-Child -Command (Get-PwshCommand) -ArgumentList @('-NoProfile', '-NonInteractive', '-Command',
            "Import-Module '$module'; `$null = Connect-VHSLibvirt test:///default; 'kept ' + [VirtTools.Libvirt.KeptLibvirtConnections]::Uris.Count; Remove-Module VirtTools; 'after ' + [VirtTools.Libvirt.KeptLibvirtConnections]::Uris.Count")
        $r.ExitCode | Should -Be 0 -Because $r.Error
        ($r.Output -split "`n" | ForEach-Object Trim | Where-Object { $_ }) | Should -Be @('kept 1', 'after 0')
    }
}
