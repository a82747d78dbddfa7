# Remove-VMGuestSnapshot on libvirt's test driver (in process).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    . (Join-Path $PSScriptRoot Support/GuestSnapshots.ps1)
    Open-TestDriver
    $Fq = ',VirtTools.Commands.RemoveVMGuestSnapshotCommand'
}

AfterAll { Close-TestDriver }

Describe 'Remove-VMGuestSnapshot' {
    BeforeEach {
        # a -> b -> c, a -> d
        $null = New-TestGuest rm1
        'a', 'b', 'c' | ForEach-Object { Checkpoint-VMGuest rm1 $_ -ConnectionUri $TestUri }
        Restore-VMGuestSnapshot rm1 a -ConnectionUri $TestUri -Confirm:$false
        Checkpoint-VMGuest rm1 d -ConnectionUri $TestUri
    }
    AfterEach { Remove-TestGuest rm1 }

    It 'removes one snapshot and re-parents its child' {
        $r = Remove-VMGuestSnapshot rm1 b -ConnectionUri $TestUri -Confirm:$false -PassThru
        $r.Name | Should -Be 'b'
        $left = Get-VMGuestSnapshot rm1 -ConnectionUri $TestUri | Sort-Object Name
        $left.Name | Should -Be @('a', 'c', 'd')
        ($left | Where-Object Name -eq c).Parent | Should -Be 'a'
    }

    It 'removes a subtree with -IncludeChildren, and -WhatIf removes nothing' {
        Remove-VMGuestSnapshot rm1 a -IncludeChildren -ConnectionUri $TestUri -WhatIf
        (Get-VMGuestSnapshot rm1 -ConnectionUri $TestUri).Count | Should -Be 4
        Remove-VMGuestSnapshot rm1 a -IncludeChildren -ConnectionUri $TestUri -Confirm:$false
        Get-VMGuestSnapshot rm1 -ConnectionUri $TestUri | Should -BeNullOrEmpty
    }

    It 'skips piped children that went with their parent, without an error' {
        Get-VMGuestSnapshot rm1 -ConnectionUri $TestUri | Remove-VMGuestSnapshot -IncludeChildren -Confirm:$false -ErrorVariable e
        $e | Should -BeNullOrEmpty
        Get-VMGuestSnapshot rm1 -ConnectionUri $TestUri | Should -BeNullOrEmpty
    }

    It 'expands wildcards in -SnapshotName' {
        Remove-VMGuestSnapshot rm1 '[cd]' -ConnectionUri $TestUri -Confirm:$false
        (Get-VMGuestSnapshot rm1 -ConnectionUri $TestUri).Name | Sort-Object | Should -Be @('a', 'b')
    }

    It 'reports a snapshot that does not exist' {
        Remove-VMGuestSnapshot rm1 nope -ConnectionUri $TestUri -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "SnapshotNotFound$Fq"
    }
}
