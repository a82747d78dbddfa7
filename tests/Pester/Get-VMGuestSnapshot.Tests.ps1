# Get-VMGuestSnapshot on libvirt's test driver (in process).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    . (Join-Path $PSScriptRoot Support/GuestSnapshots.ps1)
    Open-TestDriver
    $Fq = ',VirtTools.Commands.GetVMGuestSnapshotCommand'
    # gs1: a -> b -> c and a -> d (reverted to a before d); gs2: one snapshot
    $null = New-TestGuest gs1
    $null = New-TestGuest gs2
    'a', 'b', 'c' | ForEach-Object { Checkpoint-VMGuest gs1 $_ -ConnectionUri $TestUri }
    Restore-VMGuestSnapshot gs1 a -ConnectionUri $TestUri -Confirm:$false
    Checkpoint-VMGuest gs1 d -ConnectionUri $TestUri
    Checkpoint-VMGuest gs2 only -ConnectionUri $TestUri
}

AfterAll {
    Remove-TestGuest gs1
    Remove-TestGuest gs2
    Close-TestDriver
}

Describe 'Get-VMGuestSnapshot' {
    It 'lists every guest''s snapshots, parents before children' {
        $all = Get-VMGuestSnapshot -ConnectionUri $TestUri
        ($all | Where-Object Guest -eq gs1).Name | Sort-Object | Should -Be @('a', 'b', 'c', 'd')
        ($all | Where-Object Guest -eq gs2).Name | Should -Be 'only'
        $names = @(($all | Where-Object Guest -eq gs1).Name)
        $names.IndexOf('b') | Should -BeLessThan $names.IndexOf('c')
        $names.IndexOf('a') | Should -BeLessThan $names.IndexOf('d')
    }

    It 'gives the tree and the current snapshot' {
        $s = Get-VMGuestSnapshot gs1 -ConnectionUri $TestUri | Sort-Object Name
        $s.Parent | Should -Be @($null, 'a', 'b', 'a')
        ($s | Where-Object IsCurrent).Name | Should -Be 'd'
    }

    It 'filters snapshot names with wildcards and guest names with wildcards' {
        (Get-VMGuestSnapshot 'gs*' '[bc]' -ConnectionUri $TestUri).Name | Should -Be @('b', 'c')
        Get-VMGuestSnapshot gs1 'zz*' -ConnectionUri $TestUri -ErrorVariable e | Should -BeNullOrEmpty
        $e | Should -BeNullOrEmpty
    }

    It 'reports a literal snapshot or guest name that does not exist' {
        Get-VMGuestSnapshot gs1 nope -ConnectionUri $TestUri -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "SnapshotNotFound$Fq"
        Get-VMGuestSnapshot nosuch -ConnectionUri $TestUri -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -Be "GuestNotFound$Fq"
    }

    It 'takes guests from the pipeline and renders in 80 columns' {
        $s = [pscustomobject]@{ Name = 'gs2'; ConnectionUri = $TestUri } | Get-VMGuestSnapshot
        $s.Name | Should -Be 'only'
        $lines = ($s | Format-Table | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^Guest\s+Name\s+Parent\s+CreationTime\s+State\s+Mem\s+Cur'
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
    }

    It 'completes snapshot names of the guest given with -Name' {
        $in = "Get-VMGuestSnapshot -ConnectionUri $TestUri -Name gs1 -SnapshotName "
        $r = TabExpansion2 -inputScript $in -cursorColumn $in.Length
        $r.CompletionMatches.CompletionText | Sort-Object | Should -Be @('a', 'b', 'c', 'd')
    }
}
