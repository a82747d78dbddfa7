# Runner self-test: every It named 'pass: ...' must pass and every 'fail: ...' must fail.
BeforeAll { $global:PesterLiteLeak = 'leaked from Outcomes'; $env:PESTERLITE_ENV_LEAK = 'leaked' }
Describe 'Be' {
    It 'pass: equal numbers' { 1 | Should -Be 1 }
    It 'fail: different numbers' { 1 | Should -Be 2 }
    It 'pass: strings ignore case' { 'ABC' | Should -Be 'abc' }
    It 'pass: expected on the left converts the actual' { '1' | Should -Be 1 }
    It 'pass: arrays equal in order' { 1, 2, 3 | Should -Be @(1, 2, 3) }
    It 'fail: arrays in another order' { 1, 2, 3 | Should -Be @(3, 2, 1) }
    It 'fail: arrays of another length' { 1, 2 | Should -Be @(1, 2, 3) }
    It 'pass: $null equals @()' { $null | Should -Be @() }
    It 'pass: @() piped equals $null' { @() | Should -Be $null }
    It 'pass: $null equals @($null)' { $null | Should -Be @($null) }
    It 'fail: empty string is not $null' { '' | Should -Be $null }
    It 'pass: -Not inverts' { 1 | Should -Not -Be 2 }
    It 'fail: -Not inverts a match' { 1 | Should -Not -Be 1 }
}

Describe 'BeExactly' {
    It 'pass: same case' { 'abc' | Should -BeExactly 'abc' }
    It 'fail: other case' { 'ABC' | Should -BeExactly 'abc' }
}

Describe 'BeNullOrEmpty' {
    It 'pass: empty pipeline' { @() | Should -BeNullOrEmpty }
    It 'pass: $null' { $null | Should -BeNullOrEmpty }
    It 'pass: empty string' { '' | Should -BeNullOrEmpty }
    It 'pass: empty hashtable' { @{} | Should -BeNullOrEmpty }
    It 'fail: a value' { 'x' | Should -BeNullOrEmpty }
    It 'fail: zero is a value' { 0 | Should -BeNullOrEmpty }
    It 'pass: -Not on a value' { 'x' | Should -Not -BeNullOrEmpty }
    It 'fail: -Not on empty' { @() | Should -Not -BeNullOrEmpty }
}

Describe 'BeTrue and BeFalse' {
    It 'pass: truthy string' { 'yes' | Should -BeTrue }
    It 'fail: zero is not true' { 0 | Should -BeTrue }
    It 'pass: $null is false' { $null | Should -BeFalse }
    It 'fail: non-empty string is not false' { 'no' | Should -BeFalse }
    It 'fail: every piped item is tested' { $true, $false | Should -BeTrue }
    It 'pass: -Not -BeTrue' { $false | Should -Not -BeTrue }
}

Describe 'HaveCount' {
    It 'pass: counts piped items' { 1, 2, 3 | Should -HaveCount 3 }
    It 'pass: nothing piped is zero' { @() | Should -HaveCount 0 }
    It 'fail: wrong count' { 1, 2 | Should -HaveCount 3 }
    It 'pass: -Not' { 1, 2 | Should -Not -HaveCount 3 }
}

Describe 'Contain' {
    It 'pass: member' { 'a', 'b' | Should -Contain 'B' }
    It 'fail: substring is not membership' { 'abc' | Should -Contain 'b' }
    It 'pass: -Not' { 'a', 'b' | Should -Not -Contain 'c' }
}

Describe 'Match' {
    It 'pass: regex, case-insensitive' { 'Hello World' | Should -Match '^hello' }
    It 'fail: no match' { 'Hello' | Should -Match '^world' }
    It 'pass: -Not' { 'Hello' | Should -Not -Match 'x' }
    It 'pass: named -RegularExpression' { 'abc' | Should -Match -RegularExpression 'b' }
}

Describe 'BeOfType' {
    It 'pass: exact type' { 1 | Should -BeOfType ([int]) }
    It 'pass: bracketed type name' { 'x' | Should -BeOfType [string] }
    It 'pass: subclass' { [System.ArgumentNullException]::new('p') | Should -BeOfType ([System.ArgumentException]) }
    It 'fail: other type' { 'x' | Should -BeOfType ([int]) }
    It 'pass: -Not' { 'x' | Should -Not -BeOfType ([int]) }
}

Describe 'Throw' {
    BeforeAll {
        $errorId = { throw [System.Management.Automation.ErrorRecord]::new([System.InvalidOperationException]::new('Device 0000:03:00.0 not found'), 'DeviceNotFound', 'ObjectNotFound', $null) }
    }
    It 'pass: any exception' { { throw 'boom' } | Should -Throw }
    It 'fail: nothing thrown' { { 1 } | Should -Throw }
    It 'fail: input is not a script block' { 'text' | Should -Throw }
    It 'pass: whole message wildcard' { { throw 'Device gone' } | Should -Throw -ExpectedMessage 'Device*' }
    It 'fail: message is matched whole, not as a substring' { { throw 'Device gone' } | Should -Throw -ExpectedMessage 'gone' }
    It 'pass: positional message' { { throw 'Device gone' } | Should -Throw 'Device gone' }
    It 'pass: exception type' { { throw [System.ArgumentException]::new('x') } | Should -Throw -ExceptionType ([System.ArgumentException]) }
    It 'fail: other exception type' { { throw [System.ArgumentException]::new('x') } | Should -Throw -ExceptionType ([System.IO.IOException]) }
    It 'pass: full error id' { $errorId | Should -Throw -ErrorId 'DeviceNotFound' }
    It 'fail: error id is matched whole' { $errorId | Should -Throw -ErrorId 'Device' }
    It 'pass: error id wildcard' { $errorId | Should -Throw -ErrorId 'DeviceNot*' }
    It 'pass: -Not -Throw when nothing throws' { { 1 } | Should -Not -Throw }
    It 'fail: -Not -Throw fails on any exception' { { throw 'x' } | Should -Not -Throw }
    It 'fail: -Not -Throw ignores filters' { { throw 'x' } | Should -Not -Throw -ExpectedMessage 'other' }
    It 'pass: -PassThru returns the error record' {
        $record = $errorId | Should -Throw -PassThru
        $record | Should -BeOfType ([System.Management.Automation.ErrorRecord])
        $record.FullyQualifiedErrorId | Should -Be 'DeviceNotFound'
    }
}

Describe 'It outcomes' {
    It 'pass: no assertion and no error' { $null = 1 }
    It 'fail: a throw fails the test' { throw 'plain' }
    It 'fail: the first failing Should ends the test' {
        1 | Should -Be 2
        [System.IO.File]::WriteAllText($env:PESTERLITE_MARKER, 'ran on')
    }
    It 'fail: an operator outside the subset' { 2 | Should -BeGreaterThan 1 }
}
