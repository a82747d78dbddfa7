# Shared by the host configuration Pester files (dot-sourced in BeforeAll, on top of Support/TestHost.ps1;
# not a test file itself; AfterAll calls Restore-TestHost). Roots are copies of tests/fixtures/hostconfig in
# a temp folder outside $TestDrive; programs (grub2-mkconfig, modprobe, dracut) are scripted through the
# process seam.
. (Join-Path $PSScriptRoot Support/TestHost.ps1)
$hostConfigFixtures = Join-Path $PSScriptRoot ../fixtures/hostconfig
$hostConfigBase = New-TestTempPath 'vt-hostconfig-pester'

function New-ConfigRoot {
    param([string] $Fixture)
    $root = Join-Path $hostConfigBase ([guid]::NewGuid().ToString('N'))
    if ($Fixture) { $null = [VirtTools.Testing.HostConfigRoots]::Copy((Join-Path $hostConfigFixtures $Fixture), $root) }
    else { $null = New-Item -ItemType Directory -Path $root }
    $root
}

# Installs the root with scripted programs (command line -> exit code, or -> @(exit, stdout, stderr)); returns the runner.
function Use-ConfigRoot {
    param([string] $Root, [hashtable] $Programs = @{})
    $runner = [VirtTools.Testing.SimulatedProcessRunner]::new()
    foreach ($k in $Programs.Keys) {
        $v = @($Programs[$k])
        $null = $runner.Script($k, [string]($v[1]), [int]$v[0], [string]($v[2]))
    }
    $null = [VirtTools.Testing.HostConfigRoots]::Install($Root, $runner, $null)
    $env:VIRTTOOLS_ROOT = $Root
    $runner
}

function Get-RootFile {
    param([string] $Root, [string] $HostPath)
    [IO.File]::ReadAllText((Join-Path $Root $HostPath))
}

function Set-RootFile {
    param([string] $Root, [string] $HostPath, [string] $Content)
    $p = Join-Path $Root $HostPath
    $null = New-Item -ItemType Directory -Force -Path (Split-Path $p)
    [IO.File]::WriteAllText($p, $Content)
}

# Every file under the root with its bytes as base64: equal snapshots prove nothing was written.
function Get-RootSnapshot {
    param([string] $Root)
    # Lock files in /run/virttools stay after release on purpose (unlinking a flock file races with the
    # next taker); they are runtime state on tmpfs, not configuration, so they are not part of the host.
    $locks = [IO.Path]::GetFullPath([IO.Path]::Combine($Root, 'run', 'virttools'))
    (Get-ChildItem -LiteralPath $Root -Recurse -File -Force |
        Where-Object { -not ($_.DirectoryName -eq $locks -and $_.Name -like '*.lock') } |
        Sort-Object FullName | ForEach-Object {
        $_.FullName + '=' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($_.FullName))
    }) -join "`n"
}
