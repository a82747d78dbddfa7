# Runner self-test: a throwing BeforeAll fails its block and its tests; AfterAll and AfterEach always run;
# TestDrive is one folder per file, a block's items are removed when it ends, and the folder goes at the end.
BeforeAll {
    function Add-Mark([string] $Text) { [System.IO.File]::AppendAllText($env:PESTERLITE_MARKER, "$Text;") }
    [System.IO.File]::WriteAllText("$TestDrive/file-level.txt", 'file')
    Add-Mark "drive=$TestDrive"
}
AfterAll { Add-Mark 'file-afterall' }

Describe 'Broken setup' {
    BeforeAll { throw 'setup broke' }
    It 'first cannot pass' { $true | Should -BeTrue }
    Context 'Inner' {
        It 'inner cannot pass' { $true | Should -BeTrue }
    }
    AfterAll { Add-Mark 'broken-afterall' }
}

Describe 'Failing test' {
    AfterEach { Add-Mark 'aftereach' }
    AfterAll { Add-Mark 'failing-afterall' }
    It 'fails' { throw 'test broke' }
}

Describe 'Broken teardown' {
    It 'passes before the teardown breaks' { $true | Should -BeTrue }
    AfterAll { throw 'teardown broke' }
}

Describe 'TestDrive' {
    It 'creates a file in a block' {
        [System.IO.File]::WriteAllText("$TestDrive/block.txt", 'block')
        $ExecutionContext.SessionState.Path.GetResolvedProviderPathFromPSPath('TestDrive:/block.txt', [ref]$null) | Should -Be ([System.IO.Path]::Combine($TestDrive, 'block.txt'))
    }
    It 'still sees it within the block' { [System.IO.File]::Exists("$TestDrive/block.txt") | Should -BeTrue }
}

Describe 'After the TestDrive block' {
    It 'no longer has the block''s file but keeps the file-level one' {
        [System.IO.File]::Exists("$TestDrive/block.txt") | Should -BeFalse
        [System.IO.File]::Exists("$TestDrive/file-level.txt") | Should -BeTrue
    }
}
