# Restore-VMGuestSnapshot on libvirt's test driver (in process).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    . (Join-Path $PSScriptRoot Support/GuestSnapshots.ps1)
    Open-TestDriver
    $Fq = ',VirtTools.Commands.RestoreVMGuestSnapshotCommand'
}

AfterAll { Close-TestDriver }

Describe 'Restore-VMGuestSnapshot' {
    BeforeEach {
        $d = New-TestGuest rs1
        Checkpoint-VMGuest rs1 running -ConnectionUri $TestUri
        $d.Suspend()
        Checkpoint-VMGuest rs1 paused -ConnectionUri $TestUri
        $d.Resume()
    }
    AfterEach { Remove-TestGuest rs1 }

    It 'is High impact (the current state is lost)' {
        (Get-Command Restore-VMGuestSnapshot).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
    }

    It 'reverts to a snapshot by name, which becomes current, and the guest takes its state' {
        $s = Restore-VMGuestSnapshot rs1 paused -ConnectionUri $TestUri -Confirm:$false -PassThru
        $s.Name | Should -Be 'paused'
        $s.IsCurrent | Should -BeTrue
        $script:TestConn.FindDomain('rs1').GetState().Item1 | Should -Be 'Paused'
        Restore-VMGuestSnapshot rs1 running -ConnectionUri $TestUri -Confirm:$false
        $script:TestConn.FindDomain('rs1').GetState().Item1 | Should -Be 'Running'
        (Get-VMGuestSnapshot rs1 -ConnectionUri $TestUri | Where-Object IsCurrent).Name | Should -Be 'running'
    }

    It 'takes VMGuestSnapshot objects from the pipeline' {
        Get-VMGuestSnapshot rs1 paused -ConnectionUri $TestUri | Restore-VMGuestSnapshot -Confirm:$false
        $script:TestConn.FindDomain('rs1').GetState().Item1 | Should -Be 'Paused'
    }

    It 'says when the snapshot was taken as the tables do (ISO), and a shut-off state in words' {
        $null = New-TestGuest rs2 -Stopped
        try {
            Checkpoint-VMGuest rs2 cold -ConnectionUri $TestUri
            $s = Get-VMGuestSnapshot rs2 cold -ConnectionUri $TestUri
            $v = Restore-VMGuestSnapshot rs2 cold -ConnectionUri $TestUri -Confirm:$false -Verbose 4>&1
            $text = ($v | ForEach-Object { "$_" }) -join "`n"
            $text | Should -Match ([regex]::Escape($s.CreationTime.ToString('yyyy-MM-dd HH:mm')))
            $text | Should -Match 'it is shut off'
            $text | Should -Not -Match 'shutoff'
        }
        finally { Remove-TestGuest rs2 }
    }

    It '-WhatIf reverts nothing' {
        Restore-VMGuestSnapshot rs1 running -ConnectionUri $TestUri -WhatIf
        (Get-VMGuestSnapshot rs1 -ConnectionUri $TestUri | Where-Object IsCurrent).Name | Should -Be 'paused'
    }

    It 'reports a snapshot that does not exist' {
        Restore-VMGuestSnapshot rs1 nope -ConnectionUri $TestUri -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "SnapshotNotFound$Fq"
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
