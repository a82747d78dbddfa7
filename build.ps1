#Requires -Version 7.4
<#
.SYNOPSIS
Builds, documents and tests VirtTools.
.DESCRIPTION
Build: dotnet build of the solution (the module lands in ./bin, loaded by ./VirtTools.psd1).
Help:  with platyPS installed, New-ExternalHelp turns docs/*.md into en-US/VirtTools.dll-Help.xml;
       without it, the converter wired into dotnet build writes the same file.
Test:  with Pester 5 installed, real Pester runs tests/Pester (CI output, NUnit XML in testResults.xml);
       without it, tests/run-tests.sh runs everything through the hosted PesterLite runner and xUnit.
Package: out/VirtTools.<version>.nupkg (the module in the PowerShell Gallery's format) and
       out/virttools-<version>-linux-x64.tar.gz (the self-contained shell), Release unless
       -Configuration says otherwise; the same as `dotnet build build/VirtTools.Package.csproj -t:Package`.
All:   Build, Help, Test.
.EXAMPLE
./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Help', 'Test', 'Package', 'All')]
    [string] $Task = 'All',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$configurationGiven = $PSBoundParameters.ContainsKey('Configuration')

function Invoke-Native([string] $FilePath, [string[]] $ArgumentList) {
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "$FilePath $($ArgumentList -join ' ') failed with exit code $LASTEXITCODE." }
}

function Invoke-BuildTask {
    Invoke-Native dotnet @('build', (Join-Path $root 'VirtTools.slnx'), '--configuration', $Configuration, '-nologo')
}

function Invoke-HelpTask {
    if (Get-Module -ListAvailable -Name platyPS) {
        Import-Module platyPS
        $null = New-ExternalHelp -Path (Join-Path $root 'docs') -OutputPath (Join-Path $root 'en-US') -Force
        Write-Host "Help written by platyPS to $(Join-Path $root 'en-US')"
    }
    else {
        Write-Host 'platyPS is not installed: the help converter that runs in dotnet build writes en-US.'
        Invoke-BuildTask
    }
}

function Invoke-TestTask {
    $pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]'5.0.0' } |
        Sort-Object -Property Version -Descending | Select-Object -First 1
    if ($null -eq $pester) {
        Write-Host 'Pester 5 is not installed: running tests/run-tests.sh (hosted PesterLite runner and xUnit).'
        Invoke-Native bash @((Join-Path $root 'tests/run-tests.sh'))
        return
    }
    # The test files load ./bin/VirtTools.dll and the Debug build of tests/VirtTools.TestSupport.
    $script:Configuration = 'Debug'
    Invoke-BuildTask
    Import-Module $pester -Force
    $config = New-PesterConfiguration
    $config.Run.Path = Join-Path $root 'tests/Pester'
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    $config.Output.CIFormat = 'Auto'
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputPath = Join-Path $root 'testResults.xml'
    $result = Invoke-Pester -Configuration $config
    $failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    if ($failed -gt 0) {
        throw "Pester: $($result.FailedCount) failed tests, $($result.FailedBlocksCount) failed blocks, $($result.FailedContainersCount) failed files."
    }
}

function Invoke-PackageTask {
    $packaging = if ($configurationGiven) { $Configuration } else { 'Release' }
    Invoke-Native dotnet @('build', (Join-Path $root 'build/VirtTools.Package.csproj'), '-t:Package', "-p:VirtToolsConfiguration=$packaging", '-nologo')
}

switch ($Task) {
    'Build' { Invoke-BuildTask }
    'Help' { Invoke-HelpTask }
    'Test' { Invoke-TestTask }
    'Package' { Invoke-PackageTask }
    'All' { Invoke-BuildTask; Invoke-HelpTask; Invoke-TestTask }
}
