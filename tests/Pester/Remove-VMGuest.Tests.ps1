# Remove-VMGuest says what it will really do (issue 20): a running guest is refused before anyone is
# asked to confirm, and -WhatIf names the volumes -RemoveStorage deletes and the disks it leaves in place.
# The -WhatIf text goes to the host, so those runs are a child pwsh with its own test:///default.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $Repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).Path
    function Invoke-InChild([string]$Body) {
        $script = "Import-Module ./VirtTools.psd1; `$keep = [VirtTools.Libvirt.LibvirtConnector]::Open('test:///default')`n$Body"
        Invoke-Child -Command (Get-PwshCommand) -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -WorkingDirectory $Repo -Environment @{ VIRTTOOLS_ROOT = $null }
    }
}

Describe 'Remove-VMGuest' {
    It 'refuses a running guest without -Force before asking, so -WhatIf reports the refusal, not a removal' {
        $r = Invoke-InChild @'
$null = New-VMGuest rg1 -ConnectionUri test:///default -Start -WarningAction SilentlyContinue
Remove-VMGuest rg1 -ConnectionUri test:///default -WhatIf -ErrorVariable e -ErrorAction SilentlyContinue
"ID=$($e[0].FullyQualifiedErrorId)"
"STILL=$((Get-VMGuest rg1 -ConnectionUri test:///default).State)"
'@
        $r.Output | Should -Not -BeLike '*What if:*'
        $r.Output | Should -BeLike '*ID=GuestRunning,VirtTools.Commands.RemoveVMGuestCommand*'
        $r.Output | Should -BeLike '*STILL=Running*'
    }

    It 'refuses a running guest even when the caller would confirm (-Confirm:$false), and -Force removes it' {
        $r = Invoke-InChild @'
$null = New-VMGuest rg2 -ConnectionUri test:///default -Start -WarningAction SilentlyContinue
Remove-VMGuest rg2 -ConnectionUri test:///default -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue
"ID=$($e[0].FullyQualifiedErrorId)|$($e[0].ErrorDetails.RecommendedAction)"
Remove-VMGuest rg2 -ConnectionUri test:///default -Force -Confirm:$false
"GONE=$($null -eq (Get-VMGuest rg2 -ConnectionUri test:///default -ErrorAction SilentlyContinue))"
'@
        $r.Output | Should -BeLike '*ID=GuestRunning,*-Force*'
        $r.Output | Should -BeLike '*GONE=True*'
    }

    It '-RemoveStorage -WhatIf names the volume it deletes and the disk outside any pool it leaves in place' {
        $outside = Join-Path ([IO.Path]::GetTempPath()) ('vt-rm-' + [guid]::NewGuid().ToString('n') + '.img')
        [IO.File]::WriteAllBytes($outside, [byte[]]::new(4096))
        try {
            $r = Invoke-InChild @"
`$null = New-VMGuest rg3 -ConnectionUri test:///default -NewDiskSizeBytes 64MB -StoragePool default-pool -DiskPath '$outside' -WarningAction SilentlyContinue
Remove-VMGuest rg3 -ConnectionUri test:///default -RemoveStorage -WhatIf
"@
            $r.Error | Should -BeNullOrEmpty
            $r.Output | Should -Match 'What if:.*delete volumes /default-pool/rg3\.qcow2'
            $r.Output | Should -Match "leave in place $([regex]::Escape($outside)) \(in no storage pool\)"
            Test-Path $outside | Should -BeTrue
        }
        finally { Remove-Item -LiteralPath $outside -ErrorAction SilentlyContinue }
    }
}
