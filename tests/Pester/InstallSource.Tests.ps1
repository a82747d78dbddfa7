# New-VMGuest -InstallSource and -DriverMedia on libvirt's test driver (in process, no daemon; BeforeAll holds
# one connection open so the driver keeps its state for the whole file). Trees are made here in the
# published layouts. The test driver has no upload stream: the kernel's upload fails there and must leave
# nothing behind. The upload, the install boot and the boot from disk are proven in InstallSource.Daemon.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $U = 'test:///default'
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
    $Pool = 'default-pool'
    $T = New-TestTempPath 'vt-inst'
    $Repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).Path
    function New-Tree([string]$Name, [string]$Kernel, [string]$Initrd) {
        $dir = Join-Path $T $Name
        foreach ($f in $Kernel, $Initrd) {
            $p = Join-Path $dir $f
            $null = New-Item -ItemType Directory -Force (Split-Path $p)
            [IO.File]::WriteAllBytes($p, [byte[]]::new(4096))
        }
        $dir
    }
    $Suse = New-Tree sle 'boot/x86_64/loader/linux' 'boot/x86_64/loader/initrd'
    $Rhel = New-Tree rocky 'images/pxeboot/vmlinuz' 'images/pxeboot/initrd.img'
    $Unknown = New-Tree live 'isolinux/vmlinuz' 'isolinux/initrd.img'
    $Text = Join-Path $T 'notes.iso'; Set-Content $Text ('not an image ' * 4000)
    $Drivers = Join-Path $T 'virtio-win.iso'; [IO.File]::WriteAllBytes($Drivers, [byte[]]::new(4096))
    . (Join-Path $PSScriptRoot Support/TestDriverState.ps1)
}

AfterAll {
    $Keep.Dispose()
    Remove-Item $T -Recurse -Force -ErrorAction SilentlyContinue
    Restore-TestHost
}

Describe 'New-VMGuest -InstallSource' {
    It '-XmlOnly gives the install boot''s XML, then the definition''s that boots from disk' {
        $x = @(New-VMGuest is1 -ConnectionUri $U -InstallSource $Rhel -NewDiskSizeBytes 2MB -StoragePool $Pool -NoNetwork `
            -KernelArguments 'inst.text console=ttyS0' -DriverMedia $Drivers -XmlOnly -WarningAction SilentlyContinue)
        $x.Count | Should -Be 2
        $boot = [xml]$x[0]; $final = [xml]$x[1]
        ($boot.domain.os.kernel, $boot.domain.os.initrd) | Should -Be @('/default-pool/is1-install-kernel', '/default-pool/is1-install-initrd')
        $boot.domain.os.cmdline | Should -Be 'inst.text console=ttyS0'
        $boot.domain.on_reboot | Should -Be 'destroy'
        $final.domain.os.kernel | Should -BeNullOrEmpty
        $final.domain.os.boot.dev | Should -Be 'hd'
        @($final.domain.devices.disk | Where-Object device -eq cdrom).source.file | Should -Be $Drivers
    }

    It 'a local directory warns that the installer cannot reach it, unless -KernelArguments says where the packages are' {
        $null = New-VMGuest is2 -ConnectionUri $U -InstallSource $Suse -NewDiskSizeBytes 2MB -StoragePool $Pool -NoNetwork -XmlOnly -WarningVariable w -WarningAction SilentlyContinue
        ($w | Where-Object { "$_" -like '*install=URL*' }) | Should -Not -BeNullOrEmpty
        $x = @(New-VMGuest is2 -ConnectionUri $U -InstallSource $Suse -NewDiskSizeBytes 2MB -StoragePool $Pool -NoNetwork -XmlOnly `
            -KernelArguments 'install=http://mirror.example/sle/' -WarningVariable w2 -WarningAction SilentlyContinue)
        ([xml]$x[0]).domain.os.cmdline | Should -Be 'install=http://mirror.example/sle/'
        ($w2 | Where-Object { "$_" -like '*install=URL*' }) | Should -BeNullOrEmpty
    }

    It 'a relative path is resolved as PowerShell resolves it' {
        Push-Location $T
        try { $x = @(New-VMGuest is3 -ConnectionUri $U -InstallSource ./rocky -NewDiskSizeBytes 2MB -StoragePool $Pool -NoNetwork -XmlOnly -WarningAction SilentlyContinue) }
        finally { Pop-Location }
        ([xml]$x[0]).domain.os.kernel | Should -Be '/default-pool/is3-install-kernel'
    }

    It '-WhatIf touches nothing and says what would be fetched and booted' {
        $before = Get-VolumeNames
        $r = Invoke-Child -Command (Get-PwshCommand) -WorkingDirectory $Repo -Environment @{ VIRTTOOLS_ROOT = $null } -ArgumentList '-NoProfile', '-NonInteractive', '-Command',
            "Import-Module ./VirtTools.psd1; New-VMGuest is4 -ConnectionUri test:///default -InstallSource '$Suse' -NewDiskSizeBytes 2MB -StoragePool default-pool -NoNetwork -KernelArguments console=ttyS0 -WhatIf -WarningAction SilentlyContinue"
        $r.Output | Should -Match 'What if:.*install boot of the SUSE tree .*sle: boot/x86_64/loader/linux \(4 KiB\) and boot/x86_64/loader/initrd \(4 KiB\) fetched'
        $r.Output | Should -Match "booted once with 'console=ttyS0', then from disk"
        Get-VolumeNames | Should -Be $before
        Get-GuestNames | Should -Not -Contain 'is4'
    }

    It 'the test driver refuses the kernel''s upload: the disk, the kernel volume and the definition are gone' {
        $before = Get-VolumeNames
        New-VMGuest is5 -ConnectionUri $U -InstallSource $Rhel -NewDiskSizeBytes 2MB -StoragePool $Pool -NoNetwork -WarningAction SilentlyContinue -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].Exception.Message | Should -Match 'virStorageVolUpload'
        Get-VolumeNames | Should -Be $before
        Get-GuestNames | Should -Not -Contain 'is5'
    }

    It '<Case> is <Id> (<Category>) and nothing is made' -ForEach @(
        @{ Case = 'a missing tree'; Id = 'InstallSourceNotFound'; Category = 'ObjectNotFound'; Source = 'MISSING' }
        @{ Case = 'a tree of unknown layout'; Id = 'InstallTreeUnknown'; Category = 'InvalidData'; Source = 'UNKNOWN' }
        @{ Case = 'a file that is not ISO 9660'; Id = 'InstallSourceNotIso9660'; Category = 'InvalidData'; Source = 'TEXT' }
        @{ Case = 'an nfs URL'; Id = 'InstallSourceUnsupported'; Category = 'InvalidArgument'; Source = 'nfs://server/sle' }
        @{ Case = 'no disk to install onto'; Id = 'InstallSourceNeedsDisk'; Category = 'InvalidArgument'; Source = 'RHEL'; NoDisk = $true }
        @{ Case = 'a kernel of its own'; Id = 'InstallSourceAndKernel'; Category = 'InvalidArgument'; Source = 'RHEL'; Kernel = '/boot/vmlinuz' }
    ) {
        $src = switch ($Source) { 'MISSING' { Join-Path $T 'no-such-tree' } 'UNKNOWN' { $Unknown } 'TEXT' { $Text } 'RHEL' { $Rhel } default { $Source } }
        $a = @{ InstallSource = $src }
        if (-not $NoDisk) { $a.NewDiskSizeBytes = 2MB }
        if ($Kernel) { $a.Kernel = $Kernel }
        $before = Get-VolumeNames
        New-VMGuest isbad -ConnectionUri $U -StoragePool $Pool -NoNetwork @a -WarningAction SilentlyContinue -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be "$Id,VirtTools.Commands.NewVMGuestCommand"
        "$($e[0].CategoryInfo.Category)" | Should -Be $Category
        $e[0].TargetObject | Should -Not -BeNullOrEmpty
        Get-VolumeNames | Should -Be $before
        Get-GuestNames | Should -Not -Contain 'isbad'
    }

    It 'an unknown layout names what was looked for' {
        New-VMGuest isbad -ConnectionUri $U -InstallSource $Unknown -NewDiskSizeBytes 2MB -StoragePool $Pool -NoNetwork -ErrorVariable e -ErrorAction SilentlyContinue
        foreach ($k in 'boot/x86_64/loader/linux', 'images/pxeboot/vmlinuz', 'install.amd/vmlinuz', 'casper/vmlinuz', 'boot/aarch64/linux',
            'main/installer-amd64/current/images/netboot/debian-installer/amd64/linux') {
            $e[0].Exception.Message | Should -BeLike "*$k*"
        }
    }
}
