# Runner self-test: -ForEach / -TestCases expansion and name templates; every test passes.
BeforeDiscovery {
    $disks = @(
        @{ Name = 'sda'; Size = 10; Info = @{ Bus = 'sata' } }
        @{ Name = 'nvme0n1'; Size = 20; Info = @{ Bus = 'pcie' } }
    )
}

Describe 'Disk <Name>' -ForEach $disks {
    BeforeAll { $fromBlock = $Name }
    It 'has size <Size> on <Info.Bus>' {
        $Size | Should -BeOfType ([int])
        $_.Name | Should -Be $Name
        $fromBlock | Should -Be $Name
    }
    Context 'Partition <_>' -ForEach 1, 2 {
        It 'item <_> of <Name>' { $_ | Should -BeOfType ([int]) ; $Name | Should -Not -BeNullOrEmpty }
    }
}

Describe 'Cases' {
    It 'adds <A> and <B>' -TestCases @(
        @{ A = 1; B = 2; Sum = 3 }
        @{ A = 2; B = 2; Sum = 4 }
    ) { $A + $B | Should -Be $Sum }
    It 'plain item <_>' -ForEach 'x', 'y' { $_ | Should -Match '^[xy]$' }
    It 'object property <_.Length>' -ForEach @(, 'abcd') { $_.Length | Should -Be 4 }
    It 'empty -ForEach makes no test <_>' -ForEach @() { throw 'never' }
    It 'no data leaves <Name> literal' { $true | Should -BeTrue }
    It 'skipped' -Skip { throw 'never' }
}

Describe 'Skipped block' -Skip {
    BeforeAll { throw 'a skipped block runs no setup' }
    It 'is skipped too' { throw 'never' }
}
