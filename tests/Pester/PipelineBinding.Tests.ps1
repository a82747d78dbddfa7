# Objects bind by what they are (issue 20): a VMGuestSnapshot piped into a guest cmdlet binds its guest
# (its Guest property) or nothing, never its own Name as a guest's. Every guest cmdlet is tried with a
# decoy: a guest named exactly like the snapshot, which must come out untouched.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    . (Join-Path $PSScriptRoot Support/GuestSnapshots.ps1)
    Open-TestDriver
    function Get-DecoyState {
        $d = $script:TestConn.FindDomain('pb-decoy')
        try { '{0}|{1}|{2}|{3}' -f (Get-VMGuest pb-decoy -ConnectionUri $TestUri).State, $d.GetXml(0), @($d.ListSnapshots(0)).Count, $d.IsActive }
        finally { $d.Dispose() }
    }
    # What each cmdlet needs besides the piped object; the changing ones run for real (no -WhatIf), so a
    # wrong binding would change the decoy.
    $script:Extra = @{
        'Add-VMGuestHostDevice'    = @{ HostDevice = '0000:7e:00.0' }
        'Remove-VMGuestHostDevice' = @{ HostDevice = '0000:7e:00.0' }
        'Move-VMGuest'             = @{ DestinationUri = 'test:///nonexistent-dest.xml' }
        'Set-VMGuest'              = @{ Description = 'changed' }
        'Stop-VMGuest'             = @{ TurnOff = $true }
        'Remove-VMGuest'           = @{ Force = $true }
        'Restart-VMGuest'          = @{ TimeoutSec = 1 }
        'New-VMGuest'              = @{ XmlOnly = $true }
    }
}

AfterAll {
    'pb-owner', 'pb-decoy' | ForEach-Object { Remove-TestGuest $_ }
    Close-TestDriver
}

Describe 'A VMGuestSnapshot piped into a guest cmdlet' {
    BeforeEach {
        'pb-owner', 'pb-decoy' | ForEach-Object { Remove-TestGuest $_ }
        $null = New-TestGuest pb-owner -Devices ''
        $null = New-TestGuest pb-decoy -Devices ''
        Checkpoint-VMGuest pb-owner pb-decoy -ConnectionUri $TestUri
        $script:snap = Get-VMGuestSnapshot pb-owner -ConnectionUri $TestUri
        $script:before = Get-DecoyState
    }

    It 'never takes the snapshot''s Name for a guest''s: <_>' -ForEach @(
        (Get-Command -Module VirtTools -Noun VMGuest, VMGuestSnapshot, VMGuestHostDevice).Name | Sort-Object
    ) {
        $extra = if ($Extra.ContainsKey($_)) { $Extra[$_] } else { @{} }
        $err = $null
        $out = $null
        try {
            $out = @($snap | & $_ @extra -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 2>$null)
        }
        catch { $err = @($_) }
        Get-DecoyState | Should -Be $before
        foreach ($e in @($err)) {
            "$($e.Exception.Message) $($e.TargetObject)" | Should -Not -Match "guest named 'pb-decoy'|'pb-decoy' on test"
        }
        foreach ($o in $out) {
            if ($o -is [VirtTools.VMGuest]) { $o.Name | Should -Be 'pb-owner' }
            if ($o -is [VirtTools.VMGuestSnapshot]) { $o.Guest | Should -Be 'pb-owner' }
        }
    }

    It 'binds its guest where a cmdlet takes guests from the pipeline' {
        ($snap | Get-VMGuest).Name | Should -Be 'pb-owner'
        ($snap | Suspend-VMGuest -PassThru).Name | Should -Be 'pb-owner'
        (Get-VMGuest pb-owner -ConnectionUri $TestUri).State | Should -Be 'Paused'
        ($snap | Get-VMGuestSnapshot).Guest | Should -Be 'pb-owner'
        ($snap | Set-VMGuest -Description owned -PassThru).Name | Should -Be 'pb-owner'
        $snap | Remove-VMGuest -Force -Confirm:$false
        $script:TestConn.FindDomain('pb-owner') | Should -BeNullOrEmpty
        Get-DecoyState | Should -Be $before
    }

    It 'is refused by New-VMGuest, which takes names of guests to create' {
        $err = $null
        $snap | New-VMGuest -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'InputBelongsToGuest,VirtTools.Commands.NewVMGuestCommand'
        $err[0].Exception.Message | Should -BeLike '*Nothing was created*'
        $script:TestConn.FindDomain('pb-decoy') | Should -Not -BeNullOrEmpty
    }

    It 'a guest object still binds by its Name' {
        (Get-VMGuest pb-decoy -ConnectionUri $TestUri | Suspend-VMGuest -PassThru).Name | Should -Be 'pb-decoy'
    }
}
