# What a new user met (issue 20) proven on real libvirt daemons of tests/libvirt/lab.sh: libvirt's errors
# mapped to what failed (a guest whose disk file is gone), the pool free-space warning of New-VMGuest.
# One lab for the whole file, started in BeforeAll and stopped by pid in AfterAll.
# Needs root, libvirt-daemon-system, qemu-system-x86, qemu-utils; skipped without them.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot Support/DaemonLab.ps1)
    $Skip = [bool](Get-DaemonLabSkipReason)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    $W = Join-Path ([IO.Path]::GetTempPath()) ('vt-newuser-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
}

AfterAll {
    if ($W -and (Test-Path $W)) { bash $Harness stop $W }
}

Describe 'What a new user met, on a real libvirtd' -Skip:$Skip {
    BeforeAll {
        $out = bash $Harness start $W a
        if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed ($LASTEXITCODE): $out" }
        $U = ($out | Where-Object { $_ -like 'LAB_A_URI=*' }) -replace '^LAB_A_URI='
        $PoolDir = ($out | Where-Object { $_ -like 'LAB_A_POOL=*' }) -replace '^LAB_A_POOL='
    }

    Context 'libvirt errors say what failed' {
        BeforeAll {
            # A disk outside any pool (the daemon sees this machine's /tmp), then gone.
            $script:disk = Join-Path $W 'gone.qcow2'
            qemu-img create -q -f qcow2 $script:disk 16M
            $null = New-VMGuest gone -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 128MB -ProcessorCount 1 -DiskPath $script:disk -WarningAction SilentlyContinue
            Remove-Item -LiteralPath $script:disk
        }
        AfterAll { Remove-VMGuest gone -ConnectionUri $U -Force -Confirm:$false -ErrorAction SilentlyContinue }

        It 'a guest whose disk file is gone fails to start with a storage error naming the file, not a dead connection' {
            $err = $null
            Start-VMGuest gone -ConnectionUri $U -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'LibvirtStorageError,VirtTools.Commands.StartVMGuestCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].Exception.Code | Should -Be ([VirtTools.Libvirt.ErrorCodes]::SystemError)
            $err[0].ErrorDetails.RecommendedAction | Should -BeLike "*$($script:disk)*"
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeLike '*libvirtd*'
            (Get-VMGuest gone -ConnectionUri $U).State | Should -Be 'ShutOff'
        }

        It 'libvirt refusing an operation in the guest''s state is LibvirtOperationInvalid, not a connection failure' {
            $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
            try {
                $d = $c.FindDomain('gone')
                $e = { $d.Resume() } | Should -Throw -PassThru
                $e.Exception.InnerException.ErrorId | Should -Be 'LibvirtOperationInvalid'
                $e.Exception.InnerException.Code | Should -Be ([VirtTools.Libvirt.ErrorCodes]::OperationInvalid)
                $d.Dispose()
            }
            finally { $c.Dispose() }
        }

        It 'a driver the daemon does not have, and a typo in the URI path, get advice about the URI' {
            $e = { Get-VMGuest -ConnectionUri ($U -replace '^qemu\+', 'lxc+') } | Should -Throw -PassThru
            $e.FullyQualifiedErrorId | Should -Be 'LibvirtDriverNotInstalled,VirtTools.Commands.GetVMGuestCommand'
            $e.ErrorDetails.RecommendedAction | Should -BeLike '*libvirt-daemon-driver-lxc*'
            $e = { Get-VMGuest -ConnectionUri ($U -replace '/system', '/sytem') } | Should -Throw -PassThru
            $e.FullyQualifiedErrorId | Should -Be 'LibvirtUriInvalid,VirtTools.Commands.GetVMGuestCommand'
            $e.ErrorDetails.RecommendedAction | Should -BeLike '*qemu:///system*'
        }
    }

    It 'New-VMGuest warns, as virt-install does, when a new disk is larger than the pool has free' {
        $w = $null
        $xml = New-VMGuest big -ConnectionUri $U -Hypervisor QEMU -NewDiskSizeBytes 1PB -XmlOnly -WarningVariable w -WarningAction SilentlyContinue
        $xml | Should -BeLike '*big.qcow2*'
        ($w | Out-String) | Should -BeLike "*storage pool 'default' has free*"
        $w = $null
        $null = New-VMGuest small -ConnectionUri $U -Hypervisor QEMU -NewDiskSizeBytes 1MB -XmlOnly -WarningVariable w -WarningAction SilentlyContinue
        ($w | Out-String) | Should -Not -BeLike '*has free*'
    }

    It 'Remove-VMGuestSnapshot -MetadataOnly drops libvirt''s record and keeps the data in the qcow2 image; a plain remove deletes it' {
        $null = New-VMGuest snapmeta -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 128MB -ProcessorCount 1 -NewDiskSizeBytes 16MB -WarningAction SilentlyContinue
        try {
            Checkpoint-VMGuest snapmeta keep -ConnectionUri $U
            Checkpoint-VMGuest snapmeta gone -ConnectionUri $U
            $img = Join-Path $PoolDir 'snapmeta.qcow2'
            Remove-VMGuestSnapshot snapmeta keep -MetadataOnly -ConnectionUri $U -Confirm:$false
            Remove-VMGuestSnapshot snapmeta gone -ConnectionUri $U -Confirm:$false
            (Get-VMGuestSnapshot snapmeta -ConnectionUri $U).Name | Should -BeNullOrEmpty
            $listed = qemu-img snapshot -l -U $img | Out-String
            $listed | Should -Match '\bkeep\b'
            $listed | Should -Not -Match '\bgone\b'
        }
        finally { Remove-VMGuest snapmeta -ConnectionUri $U -RemoveStorage -Force -Confirm:$false -ErrorAction SilentlyContinue }
    }
}
