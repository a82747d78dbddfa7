# Copy-VMGuest on libvirt's test driver (test:///default), in process: full and linked clones, the base
# protected by Start-VMGuest and Remove-VMGuest -RemoveStorage, every refusal with its id and category,
# -WhatIf leaving everything as it was, the pipeline and completion. The boot of a clone, QEMU's image
# locks and the copied bytes are proven on a real daemon in Copy-VMGuest.Daemon.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    $U = 'test:///default'
    $Pool = 'default-pool'
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
    function New-SourceGuest([string]$Name) {
        $p = $Keep.FindStoragePool($Pool)
        $p.CreateVolume("<volume><name>$Name.qcow2</name><capacity>8388608</capacity><target><format type='qcow2'/></target></volume>", 'None').Dispose()
        $p.Dispose()
        $Keep.DefineDomain("<domain type='kvm'><name>$Name</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>" +
            "<os><type arch='x86_64'>hvm</type></os><devices>" +
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/$Pool/$Name.qcow2'/><target dev='vda' bus='virtio'/></disk>" +
            "<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface></devices></domain>", 'None').Dispose()
    }
    function Remove-Guests([string]$Like) {
        foreach ($d in $Keep.ListDomains('All')) { if ($d.Name -like $Like) { if ($d.IsActive) { $d.Destroy('Default') }; $d.Undefine('None') }; $d.Dispose() }
        $p = $Keep.FindStoragePool($Pool)
        foreach ($v in $p.ListVolumes()) { if ($v.Name -like $Like) { $v.Delete('Normal') }; $v.Dispose() }
        $p.Dispose()
    }
    function Get-Volumes { $p = $Keep.FindStoragePool($Pool); try { @($p.ListVolumes() | ForEach-Object { $_.Name; $_.Dispose() }) } finally { $p.Dispose() } }
}

AfterAll {
    Remove-Guests 'cp*'
    $Keep.Dispose()
    Restore-TestHost
}

Describe 'Copy-VMGuest' {
    BeforeEach { New-SourceGuest cpsrc }
    AfterEach { Remove-Guests 'cp*' }

    It 'is exported with VMGuest output, -WhatIf, -PassThru and Medium impact' {
        $c = Get-Command Copy-VMGuest -Module VirtTools
        $c.OutputType.Name | Should -Contain 'VirtTools.VMGuest'
        $c.Parameters.Keys | Should -Contain 'WhatIf'
        $c.Parameters.Keys | Should -Contain 'PassThru'
        Get-ConfirmImpact Copy-VMGuest | Should -Be 'Medium'
    }

    It 'copies a guest: new name, UUID and MAC, its disk copied in the pool; nothing out without -PassThru' {
        Copy-VMGuest cpsrc cpcopy -ConnectionUri $U | Should -BeNullOrEmpty
        $src = Get-VMGuest cpsrc -ConnectionUri $U
        $g = Get-VMGuest cpcopy -ConnectionUri $U
        $g.Uuid | Should -Not -Be $src.Uuid
        $g.Disks | Should -Be "/$Pool/cpcopy.qcow2"
        (Get-VMGuestNetworkAdapter cpcopy -ConnectionUri $U).MacAddress | Should -Not -Be '52:54:00:00:00:01'
        Get-Volumes | Should -Contain 'cpcopy.qcow2'
    }

    It 'takes the source from the pipeline and -PassThru returns the clone' {
        $g = Get-VMGuest cpsrc -ConnectionUri $U | Copy-VMGuest -NewName cppipe -PassThru
        $g.Name | Should -Be 'cppipe'
        $g | Should -BeOfType ([VirtTools.VMGuest])
    }

    It '-Linked makes an overlay and protects the base until the clone is gone' {
        $g = Copy-VMGuest cpsrc cplinked -Linked -ConnectionUri $U -PassThru -WarningVariable w -WarningAction SilentlyContinue
        $g.Disks | Should -Be "/$Pool/cplinked.qcow2"
        $w -join ' ' | Should -Match "'cpsrc' becomes the base of 'cplinked'"
        $err = $null
        Start-VMGuest cpsrc -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'LinkedCloneBase,VirtTools.Commands.StartVMGuestCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $err[0].TargetObject | Should -Be 'cpsrc'
        Remove-VMGuest cpsrc -RemoveStorage -ConnectionUri $U -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'LinkedCloneBase,VirtTools.Commands.RemoveVMGuestCommand'
        Get-Volumes | Should -Contain 'cpsrc.qcow2'
        Remove-VMGuest cplinked -RemoveStorage -ConnectionUri $U -Confirm:$false
        Get-Volumes | Should -Not -Contain 'cplinked.qcow2'
        Get-Volumes | Should -Contain 'cpsrc.qcow2'
        (Start-VMGuest cpsrc -ConnectionUri $U -PassThru).State | Should -Be 'Running'
    }

    It '-WhatIf makes nothing' {
        $before = Get-Volumes
        Copy-VMGuest cpsrc cpwhat -Linked -WhatIf -ConnectionUri $U -WarningAction SilentlyContinue
        Get-VMGuest cpwhat -ConnectionUri $U -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-Volumes | Should -Be $before
    }

    It 'refuses <Why> with <Id> and creates nothing' -ForEach @(
        @{ Why = 'a name in use'; Source = 'cpsrc'; NewName = 'test'; Extra = @{}; Id = 'CloneNameInUse'; Category = 'ResourceExists' }
        @{ Why = 'a name with a slash'; Source = 'cpsrc'; NewName = 'cp/x'; Extra = @{}; Id = 'InvalidGuestName'; Category = 'InvalidArgument' }
        @{ Why = 'a missing source'; Source = 'cpnone'; NewName = 'cpx'; Extra = @{}; Id = 'GuestNotFound'; Category = 'ObjectNotFound' }
        @{ Why = 'a running source'; Source = 'test'; NewName = 'cpx'; Extra = @{}; Id = 'CloneSourceRunning'; Category = 'ResourceBusy' }
        @{ Why = 'a running source for -Linked, even with -Force'; Source = 'test'; NewName = 'cpx'; Extra = @{ Linked = $true; Force = $true }; Id = 'CloneSourceRunning'; Category = 'ResourceBusy' }
        @{ Why = 'a pool that does not exist'; Source = 'cpsrc'; NewName = 'cpx'; Extra = @{ StoragePool = 'nopool' }; Id = 'StoragePoolNotFound'; Category = 'ObjectNotFound' }
    ) {
        $before = Get-Volumes
        $err = $null
        Copy-VMGuest $Source $NewName -ConnectionUri $U @Extra -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,VirtTools.Commands.CopyVMGuestCommand"
        $err[0].CategoryInfo.Category | Should -Be $Category
        $err[0].Exception.Message | Should -Match 'Nothing was created|nothing was created'
        Get-Volumes | Should -Be $before
        Get-VMGuest cpx -ConnectionUri $U -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'completes the source guest name' {
        $line = 'Copy-VMGuest -ConnectionUri test:///default cps'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'cpsrc'
    }
}
