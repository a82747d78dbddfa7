# New-VMGuest -InstallSource against a real libvirtd with the QEMU driver (tests/libvirt/lab.sh, one daemon
# in its own mount namespace, stopped by pid in AfterAll). The "install tree" is an ISO laid out as a SUSE
# tree (boot/x86_64/loader/linux + initrd) whose installer is the lab's test kernel with the guest
# initramfs (guest-initramfs.sh; guest.d/install.sh): booted once, it writes its /proc/cmdline to the start
# of its disk and reboots, and the install boot's on_reboot=destroy stops it. Then the definition boots
# from disk, with no kernel, and the kernel and initrd volumes uploaded for the install boot are gone.
# Needs root, libvirt-daemon-system, qemu-system-x86, qemu-utils, busybox-static; skipped without them.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot Support/LabPrerequisites.ps1)
    $Skip = [bool](Get-LabSkipReason)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    # The module loads DiscUtils on first use; the test writes its ISO with it before that.
    Add-Type -Path (Join-Path $PSScriptRoot ../../bin/DiscUtils.Iso9660.dll)
    . (Join-Path $PSScriptRoot Support/GuestLab.ps1)
    $W = Join-Path ([IO.Path]::GetTempPath()) ('vt-inst-lab-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
    $G = 'inst1'
    function Get-State([string]$Uri, [string]$Name) {
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($Uri)
        try { $d = $c.FindDomain($Name); try { $d.IsActive } finally { $d.Dispose() } } finally { $c.Dispose() }
    }
    function Get-DomainXml([string]$Uri, [string]$Name, [string]$Flags) {
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($Uri)
        try { $d = $c.FindDomain($Name); try { [xml]$d.GetXml($Flags) } finally { $d.Dispose() } } finally { $c.Dispose() }
    }
}

AfterAll {
    if ($W -and (Test-Path $W)) { bash $Harness stop $W }
}

Describe 'An install boot from a SUSE-layout ISO on a real libvirtd' -Skip:$Skip {
    BeforeAll {
        $started = Get-Date
        $lab = Start-GuestLab $W
        ($U, $PoolDir, $Kernel, $Initrd) = $lab.Uri, $lab.PoolDir, $lab.Kernel, $lab.Initrd

        # The SUSE layout, as SLE's install ISO has it (Joliet names), written with the ISO library the module ships.
        $Iso = Join-Path $W 'SLE-Test-x86_64-Media1.iso'
        $b = [DiscUtils.Iso9660.CDBuilder]::new()
        $b.UseJoliet = $true
        $b.VolumeIdentifier = 'SLE_TEST'
        $null = $b.AddFile('boot/x86_64/loader/linux', [IO.File]::ReadAllBytes($Kernel))
        $null = $b.AddFile('boot/x86_64/loader/initrd', [IO.File]::ReadAllBytes($Initrd))
        $null = $b.AddFile('content', [Text.Encoding]::ASCII.GetBytes("PRODUCT SLE-Test`n"))
        $f = [IO.File]::Create($Iso)
        try { $b.Build($f) } finally { $f.Dispose() }

        $Guest = New-VMGuest $G -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 192MB -ProcessorCount 1 -NoNetwork `
            -InstallSource $Iso -NewDiskSizeBytes 16MB -StoragePool default `
            -KernelArguments 'console=ttyS0 panic=-1 quiet virttools.install=write' -WarningAction SilentlyContinue
        $VolumesAfterStart = @(Get-ChildItem $PoolDir | ForEach-Object Name)
        $LiveXml = Get-DomainXml $U $G 'None'
        # The installer writes and reboots; on_reboot=destroy ends the install boot. TCG under load: generous.
        $deadline = (Get-Date).AddSeconds(420)
        while ((Get-State $U $G) -and (Get-Date) -lt $deadline) { Start-Sleep -Seconds 2 }
        $InstallSeconds = ((Get-Date) - $started).TotalSeconds
        $Raw = Join-Path $W 'inst1.raw'
        qemu-img convert -U -f qcow2 -O raw (Join-Path $PoolDir 'inst1.qcow2') $Raw
        $bytes = [byte[]]::new(4096)
        $fs = [IO.File]::OpenRead($Raw); try { $null = $fs.Read($bytes, 0, 4096) } finally { $fs.Dispose() }
        $Written = ([Text.Encoding]::ASCII.GetString($bytes) -split "`n")[0]
    }
    AfterAll {
        Remove-VMGuest $G -ConnectionUri $U -Force -RemoveStorage -Confirm:$false -ErrorAction SilentlyContinue
    }

    It 'New-VMGuest started the install boot: the tree kernel, its initrd, the ISO as CD and install=cd:/' {
        $Guest.Name | Should -Be $G
        $os = $LiveXml.domain.os
        $os.kernel | Should -Be '/var/lib/libvirt/images/inst1-install-kernel'
        $os.initrd | Should -Be '/var/lib/libvirt/images/inst1-install-initrd'
        $os.cmdline | Should -Be 'install=cd:/ console=ttyS0 panic=-1 quiet virttools.install=write'
        $LiveXml.domain.on_reboot | Should -Be 'destroy'
        @($LiveXml.domain.devices.disk | Where-Object device -eq cdrom).source.file | Should -Be $Iso
    }

    It 'the kernel and initrd volumes were deleted once the install boot had started' {
        $VolumesAfterStart | Should -Contain 'inst1.qcow2'
        $VolumesAfterStart | Should -Not -Contain 'inst1-install-kernel'
        $VolumesAfterStart | Should -Not -Contain 'inst1-install-initrd'
    }

    It 'the guest booted the installer once with the install argument on its kernel command line, then stopped at its reboot' {
        Get-State $U $G | Should -BeFalse
        $Written | Should -BeLike 'installed-by *'
        $Written | Should -BeLike '*install=cd:/ console=ttyS0 panic=-1 quiet virttools.install=write*'
    }

    It 'the definition boots from disk: no kernel, boot dev hd, no install CD; it starts so' {
        $x = Get-DomainXml $U $G 'Inactive'
        $x.domain.os.kernel | Should -BeNullOrEmpty
        $x.domain.os.cmdline | Should -BeNullOrEmpty
        $x.domain.os.boot.dev | Should -Be 'hd'
        @($x.domain.devices.disk | Where-Object device -eq cdrom) | Should -BeNullOrEmpty
        $x.domain.on_reboot | Should -Not -Be 'destroy'
        Start-VMGuest $G -ConnectionUri $U
        $live = Get-DomainXml $U $G 'None'
        $live.domain.os.kernel | Should -BeNullOrEmpty
        $live.domain.os.boot.dev | Should -Be 'hd'
        Stop-VMGuest $G -ConnectionUri $U -TurnOff
    }

    It 'Remove-VMGuest -RemoveStorage leaves nothing of the guest in the pool' {
        Remove-VMGuest $G -ConnectionUri $U -Force -RemoveStorage -Confirm:$false
        @(Get-ChildItem $PoolDir | Where-Object Name -like 'inst1*') | Should -BeNullOrEmpty
        Write-Host "  install lab: set-up, install boot and its reboot $([int]$InstallSeconds) s"
    }
}
