# Every example in docs/ that only reads runs as written, in real pwsh (with the module imported)
# and in the virttools shell, on a recorded machine.
#
# Which examples: each ```powershell block under "## EXAMPLES" of a cmdlet page, and every such
# block of an about_ page. A block is run when it only reads, decided from its syntax tree:
#   - every command is a Get-* or Test-* command, one of the read-only built-ins below, a
#     Remove-Item of an Env: variable or Connect-/Disconnect-VHSLibvirt (they change this session
#     only), or carries -WhatIf (a dry run changes nothing);
#   - it redirects nothing to a file;
#   - it calls no remote host (Invoke-Command/Enter-PSSession/New-PSSession with -HostName or
#     -ComputerName: Remoting.Tests.ps1 runs those against its own sshd; a libvirt URI over SSH).
# Any other command (Enable-/Disable- without -WhatIf, Set-, New-, Remove-, ...) keeps a block out.
# A block that does not parse, or whose lines carry a "PS>" prompt, is run, so it fails.
#
# How: VIRTTOOLS_ROOT is a recorded ThinkPad (ghw), or for the host-configuration pages the SLES 15
# SP6 root of tests/fixtures/hostconfig (a boot loader to read); an assignment to $env:VIRTTOOLS_ROOT
# in an example points there too (the example's path is a capture on the writer's machine). Guest
# pages run against libvirt's test driver (LIBVIRT_DEFAULT_URI=test:///default). The run
# fails on a terminating error, on a failing exit code, and on any error record except "no such
# device, group, guest, snapshot, parameter or module on this host": the pages describe example hosts whose addresses a recorded
# machine does not have, and naming one that is absent is the only error that says nothing about
# whether the example runs.
BeforeDiscovery {
    $readOnly = @(
        'Where-Object', 'ForEach-Object', 'Select-Object', 'Sort-Object', 'Group-Object', 'Measure-Object',
        'Format-Table', 'Format-List', 'Format-Wide', 'Format-Custom', 'Out-String', 'Out-Host', 'Out-Null',
        'ConvertTo-Json', 'ConvertTo-Csv', 'Write-Output', 'Write-Host', 'Write-Verbose', 'Write-Warning', 'Compare-Object'
    )
    $remoting = 'Invoke-Command', 'Enter-PSSession', 'New-PSSession'
    $sessionOnly = 'Connect-VHSLibvirt', 'Disconnect-VHSLibvirt'

    $script:examples = foreach ($page in Get-ChildItem (Join-Path $PSScriptRoot ../../docs) -Filter *.md) {
        $lines = @(Get-Content $page.FullName)
        $about = $page.Name -like 'about_*'
        $section = ''
        $inBlock = $false
        for ($i = 0; $i -lt $lines.Count; $i++) {
            $line = $lines[$i]
            if (-not $inBlock -and $line -match '^## ') { $section = $line }
            if (-not $inBlock -and $line -match '^```powershell\s*$') { $inBlock = $true; $start = $i + 2; $code = @(); continue }
            if ($inBlock -and $line -match '^```') {
                $inBlock = $false
                if (-not ($about -or $section -eq '## EXAMPLES')) { continue }
                $text = $code -join "`n"
                $tokens = $errors = $null
                $ast = [Management.Automation.Language.Parser]::ParseInput($text, [ref]$tokens, [ref]$errors)
                $why = $null
                if (-not $errors -and $text -notmatch '(?m)^PS>') {
                    foreach ($c in $ast.FindAll({ $args[0] -is [Management.Automation.Language.CommandAst] }, $true)) {
                        $name = $c.GetCommandName()
                        $params = @($c.CommandElements | Where-Object { $_ -is [Management.Automation.Language.CommandParameterAst] } | ForEach-Object ParameterName)
                        if ($name -in $remoting -and ($params -contains 'HostName' -or $params -contains 'ComputerName')) { $why = 'calls remote hosts'; break }
                        if ($params -contains 'WhatIf') { continue }
                        if ($name -match '^(Get|Test)-' -or $name -in $readOnly -or $name -in $sessionOnly) { continue }
                        if ($name -eq 'Remove-Item' -and $c.Extent.Text -match '\sEnv:') { continue }
                        $why = "changes the host ($name)"
                        break
                    }
                    if (-not $why -and $ast.FindAll({ $args[0] -is [Management.Automation.Language.FileRedirectionAst] }, $true)) { $why = 'writes a file' }
                    if (-not $why -and $text -match '\+ssh://') { $why = 'calls remote hosts' }
                }
                # Hashtables: Pester makes their keys variables ($Name, $Code) in each test.
                @{ Name = "$($page.Name):$start"; Page = $page.Name; Code = $text; Runs = -not $why; Why = $why }
                continue
            }
            if ($inBlock) { $code += $line }
        }
    }
    $script:runnable = @($examples | Where-Object { $_.Runs })
}

BeforeAll {
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $script:savedRepo = $env:VIRTTOOLS_REPO
    $script:repo = Use-TestRepository
    $script:machine = [VirtTools.Testing.Fixtures]::Root('ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz')
    $script:virttools = Join-Path $repo 'src/VirtTools.Shell/bin/Debug/net10.0/virttools'
    $script:absent = '^(PciDeviceNotFound|DeviceNotFound|IommuGroupNotFound|GuestNotFound|SnapshotNotFound|KernelParameterNotFound|KernelModuleNotFound),VirtTools\.Commands\.'
    $script:hostConfigRoot = Join-Path $repo 'tests/fixtures/hostconfig/sles15sp6'

    # The root and libvirt connection a page's examples are written for.
    function script:Get-ExampleEnvironment([string] $Page) {
        $e = $childEnv.Clone()
        if ($Page -match 'VHSKernel|VHSIommu|VHSConfiguration|VHSVfioBootBinding') { $e.VIRTTOOLS_ROOT = $hostConfigRoot }
        if ($Page -match 'VMGuest|VMNetwork|VHSLibvirt') { $e.LIBVIRT_DEFAULT_URI = 'test:///default' }
        $e
    }

    # The example with its VIRTTOOLS_ROOT assignments pointed at the recorded machine, then a
    # trailer that lists the error records (reaching it also proves nothing terminated the run).
    function script:Get-RunnableText([string] $Code, [string] $Root = $machine) {
        $ast = [Management.Automation.Language.Parser]::ParseInput($Code, [ref]$null, [ref]$null)
        $assignments = @($ast.FindAll({ $args[0] -is [Management.Automation.Language.AssignmentStatementAst] -and
                    $args[0].Left.Extent.Text -eq '$env:VIRTTOOLS_ROOT' }, $true)) | Sort-Object { $_.Right.Extent.StartOffset } -Descending
        foreach ($a in $assignments) {
            $Code = $Code.Substring(0, $a.Right.Extent.StartOffset) + "'$Root'" + $Code.Substring($a.Right.Extent.EndOffset)
        }
        $Code + "`n'@@errors'`n`$Error | ForEach-Object FullyQualifiedErrorId"
    }

    function script:Assert-ExampleRan($Result, [string] $Code) {
        $Code.Trim() | Should -Not -BeNullOrEmpty
        $out = $Result.Output -split "`n" | ForEach-Object TrimEnd
        $marker = [array]::IndexOf($out, '@@errors')
        $marker | Should -BeGreaterOrEqual 0 -Because "the example must run to its end:`n$($Result.Output)`n$($Result.Error)"
        $errors = @($out[($marker + 1)..($out.Count - 1)] | Where-Object { $_ })
        $errors | Where-Object { $_ -notmatch $absent } | Should -BeNullOrEmpty -Because "errors:`n$($Result.Error)"
        $Result.ExitCode | Should -Be 0 -Because $Result.Error
    }

    $script:childEnv = @{ VIRTTOOLS_ROOT = $machine; VIRTTOOLS_MODULE = $null; PSModulePath = $null; NO_COLOR = '1' }

    # New-VMGuest's -InstallSource examples name an install tree in the folder they run in: that tree, in
    # SUSE's published layout (the examples only read it: -WhatIf), is where they run.
    $script:treeDir = Join-Path ([IO.Path]::GetTempPath()) ('vt-docex-' + [guid]::NewGuid().ToString('n'))
    $loader = Join-Path $treeDir 'SLE-16.0-Full-x86_64/boot/x86_64/loader'
    $null = New-Item -ItemType Directory -Force $loader
    # Sparse files of the sizes SLE's installer has, so the examples' output shows real figures.
    foreach ($f in @{ linux = 12MB; initrd = 80MB }.GetEnumerator()) {
        $s = [IO.File]::Create((Join-Path $loader $f.Key)); $s.SetLength($f.Value); $s.Dispose()
    }
    function script:Get-ExampleDirectory([string] $Page) {
        if ($Page -eq 'New-VMGuest.md') { $treeDir } else { [IO.Path]::GetTempPath() }
    }
}

AfterAll {
    $env:VIRTTOOLS_REPO = $script:savedRepo
    Remove-Item $script:treeDir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'docs examples' {
    It 'finds the examples and runs most of them' {
        $examples.Count | Should -BeGreaterThan 20
        $runnable.Count | Should -BeGreaterThan 15
    }

    It '<Name> runs in pwsh' -ForEach $runnable {
        $exampleEnv = Get-ExampleEnvironment $Page
        $text = "Import-Module '$repo/VirtTools.psd1'`n" + (Get-RunnableText $Code $exampleEnv.VIRTTOOLS_ROOT)
        $r = Invoke-Child -Command (Get-PwshCommand) -Environment $exampleEnv -WorkingDirectory (Get-ExampleDirectory $Page) -ArgumentList @('-NoProfile', '-NonInteractive', '-Command', $text)
        Assert-ExampleRan $r $Code
    }

    It '<Name> runs in virttools' -ForEach $runnable {
        Test-Path $virttools | Should -BeTrue -Because 'the shell is built with the solution'
        $exampleEnv = Get-ExampleEnvironment $Page
        $r = Invoke-Child -Command @($virttools) -Environment $exampleEnv -WorkingDirectory (Get-ExampleDirectory $Page) -ArgumentList @('-NoProfile', '-NonInteractive', '-Command', (Get-RunnableText $Code $exampleEnv.VIRTTOOLS_ROOT))
        Assert-ExampleRan $r $Code
    }
}
