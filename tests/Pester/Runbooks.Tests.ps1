# The two runbooks of docs/runbooks, run as a runbook host would run them: `virttools -NonInteractive -File`
# with standard input closed. Get-PassthroughReadiness on recorded roots (its CSV checked against the cmdlets'
# own answers); Invoke-HostDrain on two real libvirt daemons (tests/libvirt/lab.sh): one running TCG guest and
# one shut-off guest on A, drained to B: the running one moves live and keeps ticking, the other stays.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot Support/DaemonLab.ps1)
    $labWhy = Get-DaemonLabSkipReason
    if (-not $labWhy) {
        $null = bash (Join-Path $PSScriptRoot ../qemu/prepare.sh) 2>$null
        if ($LASTEXITCODE -eq 3) { $labWhy = 'tests/qemu/prepare.sh cannot fetch the test kernel here' }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).Path
    $shell = Join-Path $repo src/VirtTools.Shell/bin/Debug/net10.0/virttools
    function Invoke-Runbook([string] $Name, [string[]] $Arguments, [int] $TimeoutSeconds = 300) {
        Invoke-Child -Command @($shell) -ArgumentList (@('-NoProfile', '-NonInteractive', '-File', (Join-Path $repo "docs/runbooks/$Name.ps1")) + $Arguments) `
            -Environment @{ VIRTTOOLS_ROOT = $null; PSModulePath = (Split-Path $repo) } -TimeoutSeconds $TimeoutSeconds
    }
}

AfterAll { Restore-TestHost }

Describe 'Get-PassthroughReadiness.ps1' {
    It 'writes one CSV row per recorded host, agreeing with Get-IommuGroup and Get-PciDevice there' {
        $roots = @(
            [VirtTools.Testing.Fixtures]::Root('hwloc/32intel64-2p8co2t+8ve.tar.bz2')
            [VirtTools.Testing.Fixtures]::Root('ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz')
        )
        $csv = Join-Path (New-TestTempPath 'vt-runbook') fleet.csv
        $null = New-Item -ItemType Directory -Path (Split-Path $csv)
        $r = Invoke-Runbook Get-PassthroughReadiness @('-Root', ($roots -join ','), '-Path', $csv)
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $rows = @(Import-Csv $csv)
        $rows.Count | Should -Be 2
        foreach ($i in 0, 1) {
            $env:VIRTTOOLS_ROOT = $roots[$i]
            $rows[$i].Host | Should -Be $roots[$i]
            [int]$rows[$i].PciDevices | Should -Be @(Get-PciDevice -WarningAction SilentlyContinue).Count
            [int]$rows[$i].IommuGroups | Should -Be @(Get-IommuGroup -WarningAction SilentlyContinue -ErrorAction SilentlyContinue).Count
            [int]$rows[$i].ViableGroups | Should -Be @(Get-IommuGroup -WarningAction SilentlyContinue -ErrorAction SilentlyContinue | Where-Object IsViable).Count
            $rows[$i].Ready | Should -BeIn 'True', 'False'
        }
        [int]$rows[0].PciDevices | Should -BeGreaterThan 0
    }
}

Describe 'Invoke-HostDrain.ps1 on two libvirt daemons' -Skip:([bool]$labWhy) {
    BeforeAll {
        $lab = Join-Path ([IO.Path]::GetTempPath()) ('vt-drain-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
        $out = bash $Harness start $lab ab
        if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed ($LASTEXITCODE): $out" }
        $A = ($out | Where-Object { $_ -like 'LAB_A_URI=*' }) -replace '^LAB_A_URI='
        $B = ($out | Where-Object { $_ -like 'LAB_B_URI=*' }) -replace '^LAB_B_URI='
        $Mig = ($out | Where-Object { $_ -like 'LAB_MIG_DIR=*' }) -replace '^LAB_MIG_DIR='
        $Console = Join-Path $lab 'drain1.console'
        foreach ($g in 'drain1', 'idle1') {
            $xmlFile = Join-Path $lab "$g.xml"
            Set-Content $xmlFile ((bash $Harness guest-xml $lab $g (Join-Path $lab "$g.console") 128) -join "`n")
            virsh -q -c $A define $xmlFile | Out-Null
        }
        virsh -q -c $A start drain1 | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'the guest did not start' }
        $deadline = (Get-Date).AddSeconds(180)
        while (-not ((Test-Path $Console) -and (Select-String -Path $Console -Pattern 'tick 2 ' -Quiet))) {
            if ((Get-Date) -gt $deadline) { throw "the guest printed no tick in 180 s: $(Get-Content $Console -Raw -ErrorAction SilentlyContinue)" }
            Start-Sleep -Milliseconds 500
        }
    }
    AfterAll { if ($lab -and (Test-Path $lab)) { bash $Harness stop $lab } }

    It 'moves every running guest live to the other daemon, leaves the shut-off one, and exits 0' {
        $r = Invoke-Runbook Invoke-HostDrain @('-ConnectionUri', $A, '-DestinationUri', $B, '-MigrationUri', "unix://$Mig/{0}.sock") -TimeoutSeconds 400
        $r.ExitCode | Should -Be 0 -Because "$($r.Output) $($r.Error)"
        $r.Output | Should -Match 'drain1'
        (virsh -q -c $B domstate drain1) | Should -Be 'running'
        @(virsh -q -c $A list --name | Where-Object { $_ }) | Should -BeNullOrEmpty
        @(virsh -q -c $A list --all --name | Where-Object { $_ }) | Should -Be @('idle1')
        # Still the same boot, still ticking on B.
        $ticks = (Select-String -Path $Console -Pattern 'tick (\d+) ' -AllMatches).Matches
        $last = [int]$ticks[-1].Groups[1].Value
        $deadline = (Get-Date).AddSeconds(60)
        do {
            Start-Sleep -Seconds 1
            $now = [int](Select-String -Path $Console -Pattern 'tick (\d+) ' -AllMatches).Matches[-1].Groups[1].Value
        } until ($now -gt $last -or (Get-Date) -gt $deadline)
        $now | Should -BeGreaterThan $last
    }

    It 'exits 1 and names the guest when a guest cannot move' {
        # A destination daemon that is not there: the guest stays where it runs, and the run says so.
        $r = Invoke-Runbook Invoke-HostDrain @('-ConnectionUri', $B, '-DestinationUri', 'qemu+unix:///system?socket=/nonexistent/sock') -TimeoutSeconds 120
        $r.ExitCode | Should -Be 1
        "$($r.Output) $($r.Error)" | Should -Match 'drain1'
        "$($r.Error)" | Should -Match 'stayed'
        (virsh -q -c $B domstate drain1) | Should -Be 'running'
    }
}
