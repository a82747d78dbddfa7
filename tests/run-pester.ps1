<#
.SYNOPSIS
Runs the Pester acceptance files (tests/Pester/*.Tests.ps1) under the Pester that the build restored.
.DESCRIPTION
Imports the Pester module that tests/PesterPackage brought from NuGet (6.2.0, or VIRTTOOLS_PESTER_VERSION),
runs every *.Tests.ps1 under -Path, writes NUnit XML to -ResultPath and ends with one line:
"Pester: N passed, N failed, N skipped". Failed blocks (a BeforeAll that threw) and failed containers (a
file that did not parse or failed in discovery) count as failures. Exits 1 on any failure.
Needs a build first: the module (./bin), the test support assembly and tests/PesterPackage.
.EXAMPLE
dotnet pwsh -NoProfile -File tests/run-pester.ps1 -Path tests/Pester/Get-PciDevice.Tests.ps1
#>
[CmdletBinding()]
param(
    [string[]] $Path = @(Join-Path $PSScriptRoot 'Pester'),
    [string] $ResultPath = (Join-Path $PSScriptRoot '../TestResults/Pester.xml'),
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string] $Output = $(if ($env:VIRTTOOLS_PESTER_OUTPUT) { $env:VIRTTOOLS_PESTER_OUTPUT } else { 'Normal' })
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$pathFile = Join-Path $PSScriptRoot 'PesterPackage/bin/Debug/net8.0/pester.path'
if (-not (Test-Path -LiteralPath $pathFile)) {
    throw "Pester is not restored: build the solution (dotnet build VirtTools.slnx) or tests/PesterPackage first."
}
$manifest = (Get-Content -LiteralPath $pathFile -TotalCount 1).Trim()
$wanted = if ($env:VIRTTOOLS_PESTER_VERSION) { $env:VIRTTOOLS_PESTER_VERSION } else { '6.2.0' }
# A stale pester.path (built for another version) would silently test against the wrong Pester.
if ((Split-Path (Split-Path (Split-Path $manifest -Parent) -Parent) -Leaf) -ne $wanted) {
    throw "tests/PesterPackage was built for $manifest, not Pester ${wanted}: rebuild it with the same VIRTTOOLS_PESTER_VERSION."
}

$missing = @($Path | Where-Object { -not (Test-Path -Path $_) })
if ($missing.Count -gt 0) {
    Write-Host "No such test path: $($missing -join ', ')"
    Write-Host 'Pester: 0 passed, 1 failed, 0 skipped (no run)'
    exit 1
}

Remove-Module Pester -Force -ErrorAction SilentlyContinue
$pester = Import-Module -Name $manifest -Force -PassThru
Write-Host "Pester $($pester.Version) on PowerShell $($PSVersionTable.PSVersion) ($manifest)"

$null = New-Item -ItemType Directory -Force -Path (Split-Path $ResultPath -Parent)
$config = New-PesterConfiguration
$config.Run.Path = [string[]]$Path
$config.Run.PassThru = $true
$config.Output.Verbosity = $Output
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = [System.IO.Path]::GetFullPath($ResultPath)

# The test files run as a user's Invoke-Pester runs them: this script's strict mode would reach
# into their scopes and fail tests that read an unset variable or a missing property on purpose.
Set-StrictMode -Off
$result = Invoke-Pester -Configuration $config

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
$skipped = $result.SkippedCount + $result.NotRunCount + $result.InconclusiveCount
# A path that matched no test would otherwise read as a green, empty run.
if ($result.TotalCount -eq 0) {
    Write-Host "No Pester test ran from $($Path -join ', ')."
    $failed++
}
foreach ($c in $result.FailedContainers) {
    Write-Host "Failed file: $($c.Item) ($(@($c.ErrorRecord | ForEach-Object { $_.Exception.Message }) -join '; '))"
}
Write-Host "NUnit XML: $($config.TestResult.OutputPath.Value)"
Write-Host ("Pester: {0} passed, {1} failed, {2} skipped ({3} tests, {4} failed blocks, {5} failed files)" -f `
        $result.PassedCount, $failed, $skipped, $result.TotalCount, $result.FailedBlocksCount, $result.FailedContainersCount)
exit ([int]($failed -gt 0))
