# The guest cmdlets on libvirt's test driver (test:///default), in process, no daemon. The test driver
# keeps one in-memory state per process while any connection is open, so BeforeAll holds one open
# for the whole file (each cmdlet opens and closes its own).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    Add-Type -Path (Join-Path $PSScriptRoot ../VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
    $U = 'test:///default'
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
    $savedUri = $env:LIBVIRT_DEFAULT_URI
    $env:LIBVIRT_DEFAULT_URI = $U
    $Pool = 'default-pool'

    function Get-Volume([string]$Name) {
        $p = $Keep.FindStoragePool($Pool)
        try { $p.FindVolume($Name) } finally { $p.Dispose() }
    }
    function Remove-TestGuest([string]$Name) {
        $d = $Keep.FindDomain($Name)
        if ($d) { if ($d.IsActive) { $d.Destroy(0) }; $d.Undefine(0); $d.Dispose() }
    }
}

AfterAll {
    $env:LIBVIRT_DEFAULT_URI = $savedUri
    $Keep.Dispose()
}

Describe 'Command shape' {
    It '<_> has -ConnectionUri, -WhatIf and declares VMGuest output' -ForEach @(
        'New-VMGuest', 'Start-VMGuest', 'Stop-VMGuest', 'Restart-VMGuest', 'Suspend-VMGuest', 'Resume-VMGuest', 'Remove-VMGuest') {
        $c = Get-Command $_
        $c.Parameters.ContainsKey('ConnectionUri') | Should -BeTrue
        $c.Parameters.ContainsKey('WhatIf') | Should -BeTrue
        $c.OutputType.Name | Should -Contain 'VirtTools.VMGuest'
    }

    It 'libvirt itself prints nothing to stderr (the silent error handler is installed)' {
        $manifest = Join-Path $PSScriptRoot ../../VirtTools.psd1
        $file = Join-Path ([IO.Path]::GetTempPath()) ('vt-stderr-' + [guid]::NewGuid().ToString('n') + '.ps1')
        Set-Content $file @"
Import-Module '$manifest'
Get-VMGuest nosuch -ConnectionUri test:///default -ErrorAction SilentlyContinue
try { New-VMGuest x -ConnectionUri 'qemu+unix:///system?socket=/nonexistent/s' } catch { }
'done'
"@
        try {
            # pwsh as an apphost, or (a dotnet global tool) as pwsh.dll under dotnet; only the child's stderr is kept
            $pwsh = if (Test-Path "$PSHOME/pwsh" -PathType Leaf) { "'$PSHOME/pwsh'" } else { "'$((Get-Process -Id $PID).Path)' '$PSHOME/pwsh.dll'" }
            $stdout = bash -c "$pwsh -NoProfile -NonInteractive -File '$file' 2>'$file.err'"
            $stdout | Should -Be 'done'
            Get-Content -Raw "$file.err" | Should -BeNullOrEmpty
        }
        finally { Remove-Item $file, "$file.err" -ErrorAction SilentlyContinue }
    }

    It 'Remove-VMGuest is High impact' {
        (Get-Command Remove-VMGuest).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact |
            Should -Be 'High'
    }
}

Describe 'New-VMGuest' {
    AfterEach { 'nv1', 'nv2', 'nv3', 'nvw', 'nvx' | ForEach-Object { Remove-TestGuest $_ } }

    It 'defines, creates the qcow2 volume and starts' {
        $g = New-VMGuest nv1 -MemoryBytes 512MB -ProcessorCount 2 -NewDiskSizeBytes 2GB -StoragePool $Pool -Network default -Start -WarningAction SilentlyContinue
        $g | Should -BeOfType VirtTools.VMGuest
        $g.State | Should -Be 'Running'
        $g.MemoryBytes | Should -Be 512MB
        $g.Disks | Should -Be '/default-pool/nv1.qcow2'
        $g.Interfaces | Should -Be 'network:default'
        $g.ConnectionUri | Should -Be $U
        (Get-Volume nv1.qcow2).CapacityBytes | Should -Be 2GB
        Remove-VMGuest nv1 -Force -RemoveStorage -Confirm:$false
        Get-Volume nv1.qcow2 | Should -BeNullOrEmpty
    }

    It '-XmlOnly returns the XML and defines nothing, no volume either' {
        $x = New-VMGuest nvx -Hypervisor KVM -Firmware Uefi -SecureBoot -NewDiskSizeBytes 1GB -StoragePool $Pool -XmlOnly
        $x | Should -BeOfType string
        ([xml]$x).domain.type | Should -Be 'kvm'
        ([xml]$x).domain.os.GetAttribute('firmware') | Should -Be 'efi'
        $Keep.FindDomain('nvx') | Should -BeNullOrEmpty
        Get-Volume nvx.qcow2 | Should -BeNullOrEmpty
    }

    It '-WhatIf describes the guest and creates nothing' {
        $out = New-VMGuest nvw -NewDiskSizeBytes 1GB -StoragePool $Pool -WhatIf -WarningAction SilentlyContinue 6>&1 | Out-String
        $Keep.FindDomain('nvw') | Should -BeNullOrEmpty
        Get-Volume nvw.qcow2 | Should -BeNullOrEmpty
    }

    It 'Xen PVHVM and PV are written as virt-install would' {
        # A kernel that exists: a missing -Kernel is refused like a missing disk.
        $kernel = (New-Item -ItemType File (Join-Path $TestDrive vmlinuz-xen)).FullName
        $x = [xml](New-VMGuest nvx -Hypervisor Xen -Kernel $kernel -KernelArguments 'console=hvc0' -Mode PV -XmlOnly)
        $x.domain.os.type.'#text' | Should -Be 'xen'
        $x.domain.os.cmdline | Should -Be 'console=hvc0'
        $h = [xml](New-VMGuest nvx -Hypervisor Xen -Network default -XmlOnly)
        $h.domain.os.type.machine | Should -Be 'xenfv'
        $h.domain.devices.interface.model.type | Should -Be 'netfront'
    }

    It 'names piped from objects make one guest each' {
        $gs = [pscustomobject]@{ Name = 'nv1'; MemoryBytes = 128MB }, [pscustomobject]@{ Name = 'nv2'; MemoryBytes = 128MB } |
            New-VMGuest -WarningAction SilentlyContinue
        $gs.Name | Should -Be 'nv1', 'nv2'
        $gs.MemoryBytes | Should -Be (128MB, 128MB)
    }

    It 'refuses <Case> with <Id> and defines nothing' -ForEach @(
        @{ Case = 'a taken name'; Id = 'GuestExists'; Params = @{ Name = 'test' } }
        @{ Case = 'too much memory'; Id = 'GuestMemoryTooLarge'; Params = @{ Name = 'nv3'; MemoryBytes = 64GB } }
        @{ Case = 'too many CPUs'; Id = 'GuestProcessorsTooMany'; Params = @{ Name = 'nv3'; ProcessorCount = 999 } }
        @{ Case = 'a missing disk'; Id = 'DiskNotFound'; Params = @{ Name = 'nv3'; DiskPath = '/nonexistent/disk.qcow2' } }
        @{ Case = 'a missing pool'; Id = 'StoragePoolNotFound'; Params = @{ Name = 'nv3'; NewDiskSizeBytes = 1GB; StoragePool = 'nope' } }
        @{ Case = 'a missing ISO'; Id = 'CdromNotFound'; Params = @{ Name = 'nv3'; CdromPath = '/nonexistent/x.iso' } }
        @{ Case = 'a missing network'; Id = 'NetworkNotFound'; Params = @{ Name = 'nv3'; Network = 'nope' } }
        @{ Case = 'PV on KVM'; Id = 'ModeNeedsXen'; Params = @{ Name = 'nv3'; Hypervisor = 'KVM'; Mode = 'PV' } }
    ) {
        $err = $null
        New-VMGuest @Params -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be "$Id,VirtTools.Commands.NewVMGuestCommand"
        $err[0].ErrorDetails.RecommendedAction + $err[0].Exception.Message | Should -Not -BeNullOrEmpty
        $Keep.FindDomain('nv3') | Should -BeNullOrEmpty
    }

    It 'a socket path that does not exist is one terminating error that names the URI and says to check its socket path' {
        $uri = 'qemu+unix:///system?socket=/nonexistent/sock'
        $e = { New-VMGuest nv3 -ConnectionUri $uri } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -Be 'LibvirtSocketNotFound,VirtTools.Commands.NewVMGuestCommand'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e.Exception.Message | Should -BeLike "*$uri*"
        $e.ErrorDetails.RecommendedAction | Should -BeLike '*socket path in the URI*'
    }

    It 'a URI with an unknown scheme gets advice about the URI, not about libvirtd' {
        $e = { Get-VMGuest -ConnectionUri 'kvm:///system' } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -Be 'LibvirtUriInvalid,VirtTools.Commands.GetVMGuestCommand'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.ErrorDetails.RecommendedAction | Should -BeLike '*qemu:///system*'
        $e.ErrorDetails.RecommendedAction | Should -Not -BeLike '*libvirtd*'
    }

    It 'a host device already assigned to another guest is refused' {
        $root = Join-Path ([IO.Path]::GetTempPath()) ('vt-guest-' + [guid]::NewGuid().ToString('n'))
        $saved = $env:VIRTTOOLS_ROOT
        try {
            $null = [VirtTools.Testing.SimulatedHosts]::CreateWorkstation($root, $false)
            $env:VIRTTOOLS_ROOT = $root
            $nic = [VirtTools.Testing.SimulatedHosts+Workstation]::FreeNic
            $g = Get-PciDevice $nic | New-VMGuest nv1 -Hypervisor KVM -MemoryBytes 128MB
            $g.HostDevices | Should -Be $nic
            $err = $null
            New-VMGuest nv2 -Hypervisor KVM -MemoryBytes 128MB -HostDevice $nic -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'HostDeviceAssigned,VirtTools.Commands.NewVMGuestCommand'
            $err[0].Exception.Message | Should -BeLike "*nv1*"
            $Keep.FindDomain('nv2') | Should -BeNullOrEmpty
        }
        finally {
            $env:VIRTTOOLS_ROOT = $saved
            Remove-Item -Recurse -Force $root
        }
    }
}

Describe 'Add-/Remove-VMGuestHostDevice' {
    BeforeAll {
        $root = Join-Path ([IO.Path]::GetTempPath()) ('vt-guest-' + [guid]::NewGuid().ToString('n'))
        $saved = $env:VIRTTOOLS_ROOT
        $null = [VirtTools.Testing.SimulatedHosts]::CreateWorkstation($root, $false)
        $env:VIRTTOOLS_ROOT = $root
        $W = [VirtTools.Testing.SimulatedHosts+Workstation]
        $null = New-VMGuest hdA -Hypervisor KVM -MemoryBytes 128MB -HostDevice $W::FreeNic
        $null = New-VMGuest hdB -Hypervisor KVM -MemoryBytes 128MB
    }
    AfterAll {
        'hdA', 'hdB' | ForEach-Object { Remove-TestGuest $_ }
        $env:VIRTTOOLS_ROOT = $saved
        Remove-Item -Recurse -Force $root
    }

    It 'refuses a device another guest holds, and a non-viable group, before asking libvirt' {
        $err = $null
        Add-VMGuestHostDevice hdB $W::FreeNic -Persistent -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'HostDeviceAssigned,VirtTools.Commands.AddVMGuestHostDeviceCommand'
        Add-VMGuestHostDevice hdB $W::Gpu -Persistent -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -Be 'IommuGroupNotViable,VirtTools.Commands.AddVMGuestHostDeviceCommand'
        Add-VMGuestHostDevice hdB $W::RootNvme -Persistent -ErrorVariable err3 -ErrorAction SilentlyContinue
        $err3[0].FullyQualifiedErrorId | Should -Be 'DeviceHostsRootFilesystem,VirtTools.Commands.AddVMGuestHostDeviceCommand'
        (Get-VMGuest hdB).HostDevices | Should -BeNullOrEmpty
    }

    It 'says nothing changed for a device the guest already has, or does not have' {
        Add-VMGuestHostDevice hdA $W::FreeNic -Persistent -WarningVariable warn1 -WarningAction SilentlyContinue
        $warn1[0] | Should -BeLike '*already assigned*nothing changed*'
        Remove-VMGuestHostDevice hdB $W::FreeNic -Persistent -WarningVariable warn2 -WarningAction SilentlyContinue
        $warn2[0] | Should -BeLike '*not assigned*nothing changed*'
    }

    It 'Get-PciDevice names the guest that holds a device, and gives null when libvirt is not reachable' {
        $k = [VirtTools.Testing.SimulatedHosts]::CreateWorkstation((Join-Path $root 'k'), $false)
        $null = $k.Install()
        try {
            (Get-PciDevice $W::FreeNic).AssignedToGuest | Should -Be 'hdA'
            (Get-PciDevice $W::Gpu).AssignedToGuest | Should -BeNullOrEmpty
            $env:LIBVIRT_DEFAULT_URI = 'qemu+unix:///system?socket=/nonexistent/sock'
            $err = $null
            (Get-PciDevice $W::FreeNic -ErrorVariable err).AssignedToGuest | Should -BeNullOrEmpty
            $err | Should -BeNullOrEmpty
        }
        finally {
            $env:LIBVIRT_DEFAULT_URI = $U
            [VirtTools.Testing.SimulatedKernel]::Uninstall()
        }
    }

    It 'lists a VF given as a hostdev interface among HostDevices, and Remove-VMGuestHostDevice finds it' {
        $vf = '0000:08:10.1'
        $x = "<domain type='test'><name>hdVf</name><memory unit='MiB'>128</memory><os><type arch='i686'>hvm</type></os><devices>" +
            "<interface type='hostdev' managed='yes'><mac address='52:54:00:6d:90:02'/><source><address type='pci' domain='0x0000' bus='0x08' slot='0x10' function='0x1'/></source></interface>" +
            "</devices></domain>"
        $Keep.DefineDomain($x, 0).Dispose()
        try {
            (Get-VMGuest hdVf).HostDevices | Should -Be $vf
            # The test driver has no detach (a real daemon's is in VMGuest.Daemon.Tests.ps1): under -WhatIf
            # the interface is found, where before the cmdlet warned that the device was not assigned.
            Remove-VMGuestHostDevice hdVf $vf -Persistent -WhatIf -WarningVariable warn -WarningAction SilentlyContinue
            $warn | Should -BeNullOrEmpty
            (Get-VMGuest hdVf).HostDevices | Should -Be $vf
        }
        finally { Remove-TestGuest hdVf }
    }

    It '-WhatIf changes nothing; the test driver refuses hot-plug and the error is libvirt''s' {
        Remove-VMGuestHostDevice hdA $W::FreeNic -Persistent -WhatIf
        (Get-VMGuest hdA).HostDevices | Should -Be $W::FreeNic
        $err = $null
        Add-VMGuestHostDevice hdB $W::Gpu, $W::GpuAudio -Persistent -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.Message | Should -BeLike 'virDomainAttachDeviceFlags:*'
    }
}

Describe 'Get-VMGuest' {
    BeforeAll {
        $null = 'ga1', 'ga2', 'gb1' | ForEach-Object { [pscustomobject]@{ Name = $_; MemoryBytes = 128MB } } | New-VMGuest -WarningAction SilentlyContinue
        Start-VMGuest ga1
    }
    AfterAll { 'ga1', 'ga2', 'gb1' | ForEach-Object { Remove-TestGuest $_ } }

    It 'lists every guest sorted by name, with wildcards and -State' {
        (Get-VMGuest).Name | Should -Be 'ga1', 'ga2', 'gb1', 'test'
        (Get-VMGuest ga*).Name | Should -Be 'ga1', 'ga2'
        (Get-VMGuest -State ShutOff).Name | Should -Be 'ga2', 'gb1'
        (Get-VMGuest g* -State Running).Name | Should -Be 'ga1'
    }

    It 'a missing plain name is an error, an unmatched pattern is not' {
        $err = $null
        Get-VMGuest nosuch -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'GuestNotFound,VirtTools.Commands.GetVMGuestCommand'
        Get-VMGuest nosuch* -ErrorVariable err2 | Should -BeNullOrEmpty
        $err2 | Should -BeNullOrEmpty
    }

    It 'has the properties of the issue and renders a table within 80 columns' {
        $g = Get-VMGuest ga1
        foreach ($p in 'Name', 'Uuid', 'Id', 'State', 'StateReason', 'Hypervisor', 'Mode', 'MemoryBytes', 'ProcessorCount', 'Firmware',
            'Disks', 'Interfaces', 'HostDevices', 'Autostart', 'Persistent', 'ConnectionUri') {
            $g.PSObject.Properties.Name | Should -Contain $p
        }
        $g.StateReason | Should -Be 'Booted'
        $lines = (Get-VMGuest | Format-Table | Out-String -Width 200) -split "`n"
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        (Get-VMGuest ga1 | Format-List | Out-String) | Should -BeLike '*State*Running (Booted)*'
    }

    It 'deserialized guests keep the table view' {
        $d = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize((Get-VMGuest ga1)))
        $d.PSObject.TypeNames | Should -Contain 'Deserialized.VirtTools.VMGuest'
        ($d | Out-String) | Should -BeLike '*Name*State*Hypervisor*Memory*CPU*HostDevices*'
    }

    It 'completes names from the connection' {
        $r = TabExpansion2 -inputScript 'Get-VMGuest ga' -cursorColumn 14
        $r.CompletionMatches.CompletionText | Should -Be 'ga1', 'ga2'
    }
}

Describe 'The lifecycle' {
    BeforeEach { $null = New-VMGuest lc1 -MemoryBytes 128MB -WarningAction SilentlyContinue }
    AfterEach { Remove-TestGuest lc1 }

    It 'start, suspend, resume, restart, stop, each once; the second time says nothing changed' {
        (Start-VMGuest lc1 -PassThru).State | Should -Be 'Running'
        Start-VMGuest lc1 -WarningVariable w -WarningAction SilentlyContinue
        $w[0] | Should -BeLike "*already running*nothing changed*"
        (Suspend-VMGuest lc1 -PassThru).State | Should -Be 'Paused'
        Suspend-VMGuest lc1 -WarningVariable w2 -WarningAction SilentlyContinue
        $w2[0] | Should -BeLike "*already paused*"
        (Resume-VMGuest lc1 -PassThru).State | Should -Be 'Running'
        (Restart-VMGuest lc1 -PassThru).State | Should -Be 'Running'
        (Restart-VMGuest lc1 -TurnOff -PassThru).State | Should -Be 'Running'
        (Stop-VMGuest lc1 -PassThru).State | Should -Be 'ShutOff'
        Stop-VMGuest lc1 -WarningVariable w3 -WarningAction SilentlyContinue
        $w3[0] | Should -BeLike "*already shut off*"
    }

    It 'guests piped from Get-VMGuest carry their connection' {
        $env:LIBVIRT_DEFAULT_URI = 'qemu+unix:///system?socket=/nonexistent/sock'
        try {
            $g = Get-VMGuest lc1 -ConnectionUri $U
            ($g | Start-VMGuest -PassThru).State | Should -Be 'Running'
            ($g | Stop-VMGuest -TurnOff -PassThru).StateReason | Should -Be 'Destroyed'
        }
        finally { $env:LIBVIRT_DEFAULT_URI = $U }
    }

    It '-WhatIf changes nothing' {
        Start-VMGuest lc1 -WhatIf
        (Get-VMGuest lc1).State | Should -Be 'ShutOff'
        Start-VMGuest lc1
        Stop-VMGuest lc1 -TurnOff -WhatIf
        Remove-VMGuest lc1 -Force -WhatIf
        (Get-VMGuest lc1).State | Should -Be 'Running'
    }

    It 'Remove-VMGuest refuses a running guest without -Force and leaves it running' {
        Start-VMGuest lc1
        $err = $null
        Remove-VMGuest lc1 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'GuestRunning,VirtTools.Commands.RemoveVMGuestCommand'
        $err[0].ErrorDetails.RecommendedAction | Should -BeLike '*-Force*'
        (Get-VMGuest lc1).State | Should -Be 'Running'
        $gone = Remove-VMGuest lc1 -Force -Confirm:$false -PassThru
        $gone.Name | Should -Be 'lc1'
        $Keep.FindDomain('lc1') | Should -BeNullOrEmpty
    }

    It 'Remove-VMGuest removes the managed save image too' {
        Start-VMGuest lc1
        $d = $Keep.FindDomain('lc1'); $d.ManagedSave(); $d.Dispose()
        (Get-VMGuest lc1).StateReason | Should -Be 'Saved'
        Remove-VMGuest lc1 -Confirm:$false
        $Keep.FindDomain('lc1') | Should -BeNullOrEmpty
    }

    It 'Remove-VMGuest -RemoveStorage deletes volumes, never the cdrom' {
        Remove-TestGuest lc1
        $p = $Keep.FindStoragePool($Pool)
        $iso = $p.CreateVolume("<volume><name>lc.iso</name><capacity>1048576</capacity></volume>", 0)
        $p.Dispose()
        $null = New-VMGuest lc1 -MemoryBytes 128MB -NewDiskSizeBytes 1GB -StoragePool $Pool -CdromPath $iso.Path -WarningAction SilentlyContinue
        Get-Volume lc1.qcow2 | Should -Not -BeNullOrEmpty
        Remove-VMGuest lc1 -RemoveStorage -Confirm:$false
        Get-Volume lc1.qcow2 | Should -BeNullOrEmpty
        Get-Volume lc.iso | Should -Not -BeNullOrEmpty
        $iso.Delete(0); $iso.Dispose()
    }

    It 'Stop-VMGuest on a guest that stops in time needs no -TurnOff' {
        Start-VMGuest lc1
        Stop-VMGuest lc1 -TimeoutSec 5
        (Get-VMGuest lc1).StateReason | Should -Be 'Shutdown'
    }
}
