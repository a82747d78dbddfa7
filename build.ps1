#Requires -Version 7.4
<#
.SYNOPSIS
Builds, documents and tests VirtTools.
.DESCRIPTION
Build: dotnet build of the solution (the module lands in ./bin, loaded by ./VirtTools.psd1).
Help:  with platyPS installed, New-ExternalHelp turns docs/*.md into en-US/VirtTools.dll-Help.xml;
       without it, the converter wired into dotnet build writes the same file.
Test:  builds, then runs tests/Pester under the Pester that the build restores from NuGet (6.2.0, pinned in
       tests/PesterPackage; VIRTTOOLS_PESTER_VERSION picks another) through tests/run-pester.ps1, with NUnit
       XML in TestResults/Pester.xml. `bash tests/run-tests.sh` runs these and the xUnit projects.
Package: out/VirtTools.<version>.nupkg (the module in the PowerShell Gallery's format),
       out/VirtTools-<version>.zip (the module folder for an automation account),
       out/virttools-<version>-linux-{x64,arm64}.tar.gz (the self-contained shell) and
       out/virttools-<version>-1.{x86_64,aarch64}.rpm (the same, for zypper/rpm; needs rpmbuild), Release
       unless -Configuration says otherwise; the same as `dotnet build build/VirtTools.Package.csproj -t:Package`.
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
    # The test files load ./bin/VirtTools.dll and the Debug build of tests/VirtTools.TestSupport.
    $script:Configuration = 'Debug'
    Invoke-BuildTask
    # The pwsh pinned in .config/dotnet-tools.json, as a child: the test files import modules and change
    # the environment, and this session keeps neither.
    Push-Location $root
    try {
        Invoke-Native dotnet @('tool', 'restore')
        Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'tests/run-pester.ps1'))
    }
    finally { Pop-Location }
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
