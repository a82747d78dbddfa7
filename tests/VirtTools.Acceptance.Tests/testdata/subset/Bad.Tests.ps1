# Subset-check self-test: each line below uses something outside the allowed subset.
Describe 'Outside the subset' {
    BeforeAll {
        Mock Get-PciDevice { }
        $lines = Get-Content /etc/hostname
        $names = Get-ChildItem / | Select-Object -First 1
    }
    It 'uses unsupported things' {
        InModuleScope VirtTools { }
        Test-Path /tmp | Should -BeTrue
        3 | Should -BeGreaterThan 1
        'a' | Should -BeLike 'a*'
        Set-ItResult -Skipped
    }
    It 'uses allowed things' {
        Get-Command Get-PciDevice | Should -Not -BeNullOrEmpty
        @(1, 2) | ForEach-Object { $_ } | Where-Object { $_ -gt 1 } | Should -HaveCount 1
        function Local-Helper { 'fine' }
        Local-Helper | Should -Be 'fine'
    }
}
