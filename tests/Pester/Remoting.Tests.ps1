# PowerShell remoting over SSH for real: sshd instances of our own on 127.0.0.1, each with
# VIRTTOOLS_ROOT (sshd's SetEnv) on a different recorded machine, act as a fleet. The objects come
# back as Deserialized.VirtTools.* and must render with the module's views on this side.
#   vhs01: pwsh's subsystem, the recorded ThinkPad (Intel, IOMMU groups 0-14)
#   vhs02: pwsh's subsystem, the recorded prometheus-procfs host (AMD, groups 2 and 11)
#   vhs03: the virttools shell as the subsystem (a host with no pwsh), the ThinkPad again
BeforeAll {
    . (Join-Path $PSScriptRoot Support/Sshd.ps1)
    $script:savedRepo = $env:VIRTTOOLS_REPO
    $script:repo = Use-TestRepository
    $script:savedPath = $env:PATH
    $script:savedRoot = $env:VIRTTOOLS_ROOT
    # The rendered text is compared as text: no colour sequences in table headers.
    $script:savedRendering = $PSStyle.OutputRendering
    $PSStyle.OutputRendering = 'PlainText'

    $script:thinkpad = [VirtTools.Testing.Fixtures]::Root('ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz')
    $script:amd = Join-Path ([VirtTools.Testing.Ttar]::ExtractFixture('prometheus-procfs/fixtures.ttar')) 'fixtures'
    $script:work = New-TestFolder 'vt-remoting'
    $script:servers = [Collections.Generic.List[object]]::new()

    # The remote side finds the module by name, through PSModulePath, as an installed module.
    $modules = Join-Path $work 'modules'
    $null = New-Item -ItemType Directory -Path $modules
    $null = New-Item -ItemType SymbolicLink -Path (Join-Path $modules VirtTools) -Target $repo
    $script:key = New-TestSshClientKey $work
    $pwsh = ((Get-PwshCommand) -join ' ') + ' -sshs -NoLogo -NoProfile'
    $script:virttools = Join-Path $repo 'src/VirtTools.Shell/bin/Debug/net10.0/virttools'

    $servers.Add((Start-TestSshd -Folder (Join-Path $work vhs01) -ClientKey $key -Subsystem $pwsh -Environment @{ VIRTTOOLS_ROOT = $thinkpad; PSModulePath = $modules }))
    $servers.Add((Start-TestSshd -Folder (Join-Path $work vhs02) -ClientKey $key -Subsystem $pwsh -Environment @{ VIRTTOOLS_ROOT = $amd; PSModulePath = $modules }))
    if (Test-Path $virttools) {
        $servers.Add((Start-TestSshd -Folder (Join-Path $work vhs03) -ClientKey $key -Subsystem "$virttools -sshs -NoLogo -NoProfile" -Environment @{ VIRTTOOLS_ROOT = $thinkpad }))
    }
    # pwsh runs `ssh` from PATH; ours reads only the config written here (names, key, no host key prompts).
    $hosts = @{ vhs01 = $servers[0].Port; vhs02 = $servers[1].Port }
    if ($servers.Count -gt 2) { $hosts.vhs03 = $servers[2].Port }
    $bin = New-TestSshClient -Folder $work -KeyFile $key -Hosts $hosts
    $env:PATH = "${bin}:$env:PATH"

    # What each recorded machine shows locally, to compare with what comes over the wire.
    function script:Get-LocalGroup([string] $Root) {
        $env:VIRTTOOLS_ROOT = $Root
        try { @(Get-IommuGroup | ForEach-Object Number) -join ',' } finally { $env:VIRTTOOLS_ROOT = $script:savedRoot }
    }
}

AfterAll {
    $PSStyle.OutputRendering = $script:savedRendering
    $env:PATH = $script:savedPath
    $env:VIRTTOOLS_REPO = $script:savedRepo
    $env:VIRTTOOLS_ROOT = $script:savedRoot
    foreach ($s in $script:servers) { Stop-TestSshd $s }
    if ($script:work -and (Test-Path $script:work)) { Remove-Item -Recurse -Force $script:work }
}

Describe 'Invoke-Command -HostName over SSH' {
    It 'returns Deserialized.VirtTools objects from a host given by address, port and key' {
        $options = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' }
        $d = Invoke-Command -HostName 127.0.0.1 -Port $servers[0].Port -UserName root -KeyFilePath $key -Options $options -ScriptBlock {
            Get-PciDevice -Address 0000:00:02.0
        }
        @($d) | Should -HaveCount 1
        $d.PSTypeNames[0] | Should -BeExactly 'Deserialized.VirtTools.PciDevice'
        $d.Address | Should -BeExactly '0000:00:02.0'
        $d.Driver | Should -BeExactly 'i915'
        $d.PSComputerName | Should -BeExactly '127.0.0.1'
    }

    It 'renders the deserialized objects with the module''s table and list views' {
        $groups = Invoke-Command -HostName vhs01 { Get-IommuGroup }
        $text = ($groups | Out-String -Width 80) -split "`n" | ForEach-Object TrimEnd
        # The view's columns, then the one pwsh adds for remote objects; without the view pwsh would
        # list every property, RunspaceId among them.
        $text | Where-Object { $_ -match '^Group\s+Type\s+Isolated\s+Ready\s+Devices\s+PSComputerName$' } | Should -HaveCount 1 -Because ($text -join "`n")
        $text | Where-Object { $_ -match '^\s*0\s+True\s+False\s+0000:00:02\.0 \(i915\)\s+vhs01$' } | Should -HaveCount 1 -Because ($text -join "`n")
        ($text -join "`n") | Should -Not -Match 'RunspaceId'

        $devices = Invoke-Command -HostName vhs01 { Get-PciDevice }
        $table = ($devices | Format-Table | Out-String -Width 120) -split "`n" | ForEach-Object TrimEnd
        $table | Where-Object { $_ -match '^Address\s+Class\s+Ids\s+Name\s+Driver\s+Group\s+PSComputerName$' } | Should -HaveCount 1 -Because ($table -join "`n")
        $list = ($devices | Where-Object Address -eq '0000:00:02.0' | Format-List | Out-String -Width 80)
        # Labels that only the list view computes (joined arrays) and its order.
        $list | Should -Match '(?m)^Address\s+: 0000:00:02\.0$'
        $list | Should -Match '(?m)^ResetMethods\s+: '
        $list | Should -Not -Match 'RunspaceId'
    }

    It 'acts on a two-host fleet, each host showing its own machine, with PSComputerName on every object' {
        $all = @(Invoke-Command -HostName vhs01, vhs02 { Get-IommuGroup })
        $all | Should -Not -BeNullOrEmpty
        foreach ($g in $all) {
            $g.PSTypeNames[0] | Should -BeExactly 'Deserialized.VirtTools.IommuGroup'
            $g.PSComputerName | Should -BeIn @('vhs01', 'vhs02')
        }
        $numbers = { param($name) @($all | Where-Object PSComputerName -eq $name | Sort-Object { [int]$_.Number } | ForEach-Object Number) -join ',' }
        & $numbers 'vhs01' | Should -BeExactly (Get-LocalGroup $thinkpad)
        & $numbers 'vhs02' | Should -BeExactly (Get-LocalGroup $amd)
        & $numbers 'vhs02' | Should -BeExactly '2,11'
        ($all | Where-Object { $_.PSComputerName -eq 'vhs02' -and $_.Number -eq 11 }).Devices[0] | Should -Match '0000:01:00\.0'

        # The usual fleet question: which hosts have a group that is not viable?
        $blocked = $all | Where-Object { -not $_.IsViable } | Group-Object PSComputerName | Sort-Object Name
        $blocked.Name | Should -Be @('vhs01', 'vhs02')
        Invoke-Command -HostName vhs02 { $env:VIRTTOOLS_ROOT } | Should -BeExactly $amd
    }

    It 'is served by the virttools shell on a host without pwsh' {
        Test-Path $virttools | Should -BeTrue -Because 'the shell is built with the solution'
        $r = Invoke-Command -HostName vhs03 {
            # The server's runspace is the engine's own: the module loads on first use, from
            # Modules/VirtTools beside the shell.
            $count = @(Get-PciDevice).Count
            [pscustomobject]@{ Module = (Get-Module VirtTools).ModuleBase; Functions = $count; Ps = $PSVersionTable.PSVersion.ToString() }
        }
        $r.Module | Should -BeExactly (Join-Path (Split-Path $virttools) 'Modules/VirtTools')
        $r.Ps | Should -Match '^7\.6\.'
        $r.Functions | Should -Be 23
        $g = Invoke-Command -HostName vhs03 { Get-IommuGroup 0 }
        $g.PSTypeNames[0] | Should -BeExactly 'Deserialized.VirtTools.IommuGroup'
        $g.PSComputerName | Should -BeExactly 'vhs03'
    }
}
