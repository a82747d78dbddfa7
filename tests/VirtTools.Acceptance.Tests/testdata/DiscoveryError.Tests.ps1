# Runner self-test: an error while discovering fails the file.
Describe 'Before the error' { It 'would pass' { $true | Should -BeTrue } }
throw 'discovery broke'
