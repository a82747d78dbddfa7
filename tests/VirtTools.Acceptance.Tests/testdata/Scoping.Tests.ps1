# Runner self-test: every 'pass: ...' must pass. A scoping mistake in the runner fails one of them.
BeforeDiscovery { $discovered = 'discovery' }
$topLevel = 'top'
BeforeAll { $fileSetup = 'file' }

Describe 'Scopes' {
    $inDescribeBody = 'body'
    BeforeAll { $blockSetup = 'block' }
    BeforeEach { $eachSetup = 'each'; $counter = 0 }
    AfterEach { [System.IO.File]::AppendAllText($env:PESTERLITE_MARKER, "after:$seenByAfterEach;") }

    It 'pass: discovery variables are not visible in It' {
        $discovered | Should -BeNullOrEmpty
        $topLevel | Should -BeNullOrEmpty
        $inDescribeBody | Should -BeNullOrEmpty
    }
    It 'pass: BeforeAll variables of the file and the block are visible' {
        $fileSetup | Should -Be 'file'
        $blockSetup | Should -Be 'block'
    }
    It 'pass: BeforeEach variables are visible and AfterEach sees the test''s variables' {
        $eachSetup | Should -Be 'each'
        $seenByAfterEach = 'first'
    }
    It 'pass: a sibling sets a variable' { $siblingVar = 'set'; $counter++; $counter | Should -Be 1; $blockSetup = 'changed' }
    It 'pass: siblings do not see each other' {
        $siblingVar | Should -BeNullOrEmpty
        $counter | Should -Be 0
        $blockSetup | Should -Be 'block'
    }
    It 'pass: the runner''s own variables are invisible' {
        $Phase | Should -BeNullOrEmpty
        $CurrentBlock | Should -BeNullOrEmpty
    }
    It 'pass: globals of files run before are gone (fresh runspace, restored environment)' {
        $global:PesterLiteLeak | Should -BeNullOrEmpty
        $env:PESTERLITE_ENV_LEAK | Should -BeNullOrEmpty
    }
    It 'pass: $PSScriptRoot is the test file''s folder' { $PSScriptRoot | Should -Be ([System.IO.Path]::GetDirectoryName($PSCommandPath)) }

    Context 'Nested' {
        BeforeAll { $contextSetup = "$blockSetup+context" }
        BeforeEach { $eachSetup = "$eachSetup+nested" }
        It 'pass: inner setup sees outer setup; BeforeEach runs parent first' {
            $contextSetup | Should -Be 'block+context'
            $eachSetup | Should -Be 'each+nested'
        }
    }
    It 'pass: a Context''s BeforeAll does not leak to its parent' { $contextSetup | Should -BeNullOrEmpty }
}

Describe 'Second' {
    It 'pass: another block does not see the first block''s setup' {
        $blockSetup | Should -BeNullOrEmpty
        $fileSetup | Should -Be 'file'
    }
}
