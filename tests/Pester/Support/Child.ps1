# Helpers for Pester files that start programs: a pwsh or virttools child with an environment of
# our choosing (the test's own pwsh leaks PSModulePath, the user's HOME and so on otherwise).

# The command line that starts this same pwsh: the global tool runs as `dotnet pwsh.dll`.
function Get-PwshCommand {
    $exe = [Environment]::ProcessPath
    if ((Split-Path -Leaf $exe) -like 'dotnet*') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($exe)
}

# Runs a program to completion. $Environment entries replace the inherited ones; $null removes one.
function Invoke-Child {
    param(
        [Parameter(Mandatory)] [string[]] $Command,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory = [IO.Path]::GetTempPath(),
        [int] $TimeoutSeconds = 300
    )
    $psi = [Diagnostics.ProcessStartInfo]::new($Command[0])
    foreach ($a in @($Command | Select-Object -Skip 1) + $ArgumentList) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $WorkingDirectory
    foreach ($k in $Environment.Keys) {
        if ($null -eq $Environment[$k]) { $null = $psi.Environment.Remove($k) } else { $psi.Environment[$k] = [string]$Environment[$k] }
    }
    $p = [Diagnostics.Process]::Start($psi)
    try {
        $p.StandardInput.Close()
        $out = $p.StandardOutput.ReadToEndAsync()
        $err = $p.StandardError.ReadToEndAsync()
        if (-not $p.WaitForExit($TimeoutSeconds * 1000)) {
            $p.Kill($true)
            throw "$($Command -join ' ') did not finish in $TimeoutSeconds s"
        }
        $p.WaitForExit()
        [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out.Result; Error = $err.Result }
    }
    finally { $p.Dispose() }
}

# A fresh folder under the system temp folder (never under $TestDrive: Pester walks that).
function New-TestFolder([string] $Prefix) {
    $path = Join-Path ([IO.Path]::GetTempPath()) ("$Prefix-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $path
    $path
}

# Imports the module under test and the fixture API, points the fixture API at this repository
# (it would look above its own assembly), and returns the repository root. Callers save and
# restore $env:VIRTTOOLS_REPO.
function Use-TestRepository {
    $repo = (Resolve-Path (Join-Path $PSScriptRoot ../../..)).Path
    Import-Module (Join-Path $repo VirtTools.psd1) -Force -Global
    Add-Type -Path (Join-Path $repo tests/VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
    $env:VIRTTOOLS_REPO = $repo
    $repo
}
