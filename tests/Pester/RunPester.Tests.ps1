# tests/run-pester.ps1, the runner behind `bash tests/run-tests.sh`: a file that fails to load or to be
# discovered must fail the run, not vanish from it.
BeforeAll {
    $repoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot ../..))
    $runner = Join-Path $repoRoot tests/run-pester.ps1
    $work = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'vt-runner-pester-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $work

    # Runs the runner in a child pwsh (the pinned one) over one folder; returns its exit code and output.
    function Invoke-Runner([string] $Folder) {
        $xml = Join-Path $work ((Split-Path $Folder -Leaf) + '.xml')
        Push-Location $repoRoot
        try {
            $out = & dotnet pwsh -NoProfile -NonInteractive -File $runner -Path $Folder -ResultPath $xml -Output None 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($out | ForEach-Object { "$_" }) -join "`n"; Xml = $xml }
        }
        finally { Pop-Location }
    }

    function New-TestFolder([string] $Name, [hashtable] $Files) {
        $dir = Join-Path $work $Name
        $null = New-Item -ItemType Directory -Path $dir
        foreach ($f in $Files.Keys) { Set-Content -LiteralPath (Join-Path $dir $f) -Value $Files[$f] }
        $dir
    }

    $passing = 'Describe "d" { It "one" { 1 | Should -Be 1 }; It "two" { 2 | Should -Be 2 } }'
}

AfterAll {
    if ([System.IO.Directory]::Exists($work)) { [System.IO.Directory]::Delete($work, $true) }
}

# One child run only: each starts pwsh and imports Pester, which is slow on a loaded machine.
Describe 'tests/run-pester.ps1' {
    BeforeAll {
        $r = Invoke-Runner (New-TestFolder mixed @{
                'Ok.Tests.ps1'        = $passing
                'Syntax.Tests.ps1'    = 'Describe "d" { It "x" { 1 | Should -Be 1 }'
                'AfterEach.Tests.ps1' = "AfterEach { }`n" + $passing
                'Throw.Tests.ps1'     = "throw 'broken at load'`n" + $passing
            })
    }

    It 'exits 1 when files fail to parse, have a file-level AfterEach or throw in discovery' {
        $r.ExitCode | Should -Be 1 -Because $r.Text
    }

    It 'names each failed file with its error' {
        $r.Text | Should -Match 'Failed file: .*Syntax\.Tests\.ps1'
        $r.Text | Should -Match 'Failed file: .*Throw\.Tests\.ps1 \(broken at load\)'
        $r.Text | Should -Match 'Failed file: .*AfterEach\.Tests\.ps1'
    }

    It 'counts the failed files as failures and still counts the passing tests' {
        $r.Text | Should -Match '(?m)^Pester: 2 passed, [1-9]\d* failed, 0 skipped .*3 failed files'
    }

    It 'writes NUnit XML with the passing file in it' {
        $x = [xml](Get-Content -Raw -LiteralPath $r.Xml)
        $x.'test-results'.total | Should -BeGreaterOrEqual 2
        @($x.SelectNodes('//test-case[@result="Success"]')).Count | Should -Be 2
    }
}
