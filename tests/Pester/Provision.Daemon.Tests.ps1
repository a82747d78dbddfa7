# Provisioning against a real libvirtd with the QEMU driver (tests/libvirt/lab.sh, one daemon in its own
# mount namespace, stopped by pid in AfterAll) and one TCG guest booted once for every test here:
# Import-VMStorageVolume streams a qcow2 base image into the pool (virStorageVolUpload), New-VMGuest
# makes the guest's disk a qcow2 overlay of it and writes a cloud-init seed ISO into the pool, and the
# guest (the test kernel with guest-initramfs.sh; guest.d/provision.sh) prints the first bytes of its
# disk and the seed as its iso9660 driver shows it: label, file names and user-data.
# Needs root, libvirt-daemon-system, qemu-system-x86, qemu-utils, busybox-static, blkid; skipped without them.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot Support/LabPrerequisites.ps1)
    $Skip = [bool](Get-LabSkipReason)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    . (Join-Path $PSScriptRoot Support/GuestLab.ps1)
    $W = Join-Path ([IO.Path]::GetTempPath()) ('vt-prov-lab-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
    $G = 'prov1'
    # Every "guest report provision:" line of the latest report (the snippet prints several).
    function Get-Report {
        $lines = [regex]::Matches((Get-Content -Raw $Console -ErrorAction SilentlyContinue) + '', 'guest report provision: ([^\r\n]*)') |
            ForEach-Object { $_.Groups[1].Value.TrimEnd() }
        $start = [array]::FindLastIndex([string[]]@($lines), [Predicate[string]] { param($l) $l -like 'disk *' })
        if ($start -lt 0) { @() } else { @($lines)[$start..(@($lines).Count - 1)] }
    }
    function Wait-Report([string]$Pattern, [int]$Seconds) {
        $deadline = (Get-Date).AddSeconds($Seconds)
        do {
            $r = @(Get-Report)
            if (($r -join "`n") -match $Pattern) { return $r }
            Start-Sleep -Milliseconds 500
        } while ((Get-Date) -lt $deadline)
        throw "guest '$G' never reported '$Pattern' in $Seconds s; last report: '$($r -join ' | ')'; console tail: $((Get-Content $Console -Tail 5 -ErrorAction SilentlyContinue) -join ' | ')"
    }
}

AfterAll {
    if ($W -and (Test-Path $W)) { bash $Harness stop $W }
}

Describe 'A guest from a base image with a cloud-init seed on a real libvirtd' -Skip:$Skip {
    BeforeAll {
        $started = Get-Date
        $lab = Start-GuestLab $W
        ($U, $PoolDir, $Kernel, $Initrd) = $lab.Uri, $lab.PoolDir, $lab.Kernel, $lab.Initrd
        $DaemonPid = (Get-Content (Join-Path $W a/libvirtd.pid)).Trim()
        $Console = Join-Path $W 'prov1.console'

        # The base image: 8 MiB of qcow2 whose first 16 bytes the guest prints through the overlay.
        $Signature = 'VirtToolsBase!01'
        $raw = Join-Path $W 'base.raw'
        $bytes = [byte[]]::new(8MB); [Text.Encoding]::ASCII.GetBytes($Signature).CopyTo($bytes, 0)
        [IO.File]::WriteAllBytes($raw, $bytes)
        $BaseFile = Join-Path $W 'base.qcow2'
        qemu-img convert -f raw -O qcow2 $raw $BaseFile
        $Imported = Import-VMStorageVolume $BaseFile -StoragePool default -Name base.qcow2 -ConnectionUri $U

        $UserData = "#cloud-config`n# given byte for byte`nusers:`n  - name: alice`n    shell: /bin/sh`n"
        $UserDataFile = Join-Path $W 'user-data.yaml'
        [IO.File]::WriteAllText($UserDataFile, $UserData)
        $NetworkFile = Join-Path $W 'network.yaml'
        [IO.File]::WriteAllText($NetworkFile, "version: 2`nethernets: {}`n")
        $Guest = New-VMGuest $G -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 192MB -ProcessorCount 1 -NoNetwork `
            -BaseImage default/base.qcow2 -NewDiskSizeBytes 16MB -StoragePool default `
            -UserData $UserDataFile -NetworkConfig $NetworkFile `
            -Kernel $Kernel -Initrd $Initrd -KernelArguments 'console=ttyS0 panic=-1 quiet' -WarningAction SilentlyContinue
        # The test reads the guest's serial console from a file: the definition's pty console becomes a file serial.
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
        try {
            $d = $c.FindDomain($G)
            $x = [xml]$d.GetXml('Inactive'); $d.Dispose()
            # libvirt turned New-VMGuest's pty console into a serial port plus its console: both go.
            foreach ($n in @($x.domain.devices.SelectNodes('serial|console'))) { $null = $x.domain.devices.RemoveChild($n) }
            $serial = [xml]"<serial type='file'><source path='$Console' append='on'/><target port='0'/></serial>"
            $null = $x.domain.devices.AppendChild($x.ImportNode($serial.DocumentElement, $true))
            $d = $c.DefineDomain($x.OuterXml, 'Validate'); $d.Start('None'); $d.Dispose()
        } finally { $c.Dispose() }
        # Lab start plus a q35 TCG boot take about 60 s here (2 cores, other builds running): 240 s holds.
        $Report = Wait-Report '(?m)^seed label=' 240
        $SetupSeconds = ((Get-Date) - $started).TotalSeconds
    }
    AfterAll {
        Remove-VMGuest $G -ConnectionUri $U -Force -RemoveStorage -Confirm:$false -ErrorAction SilentlyContinue
    }

    It 'Import-VMStorageVolume streamed the image into the pool byte for byte' {
        ($Imported.Name, $Imported.StoragePool, $Imported.Format, $Imported.UploadedBytes) |
            Should -Be @('base.qcow2', 'default', 'qcow2', (Get-Item $BaseFile).Length)
        $Imported.CapacityBytes | Should -Be 8MB
        cmp $BaseFile (Join-Path $PoolDir base.qcow2)
        $LASTEXITCODE | Should -Be 0
    }

    It 'the guest disk is a qcow2 overlay whose backing file is the base (qemu-img info --backing-chain)' {
        $Guest.Name | Should -Be $G
        $info = nsenter -t $DaemonPid -m qemu-img info -U --backing-chain --output=json /var/lib/libvirt/images/prov1.qcow2 | ConvertFrom-Json
        @($info).Count | Should -Be 2
        $info[0].format | Should -Be 'qcow2'
        $info[0].'virtual-size' | Should -Be 16MB
        $info[0].'backing-filename' | Should -Be '/var/lib/libvirt/images/base.qcow2'
        ($info[1].filename, $info[1].format) | Should -Be @('/var/lib/libvirt/images/base.qcow2', 'qcow2')
    }

    It 'the booted guest reads the base image through its overlay' {
        $hex = -join ([Text.Encoding]::ASCII.GetBytes($Signature) | ForEach-Object { $_.ToString('x2') })
        $Report | Should -Contain "disk $hex"
    }

    It "the guest's iso9660 driver mounts the seed: label cidata, the exact file names, user-data as given" {
        $seed = $Report | Where-Object { $_ -like 'seed *' }
        $seed | Should -Be 'seed label=cidata files=meta-data,network-config,user-data,'
        $b64 = -join ($Report | Where-Object { $_ -like 'user-data *' } | ForEach-Object { $_.Substring(10) })
        [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b64)) | Should -BeExactly $UserData
    }

    It 'blkid -p shows what cloud-init looks for: LABEL=cidata, TYPE=iso9660' {
        $p = blkid -p -o export (Join-Path $PoolDir 'prov1-cidata.iso')
        $p | Should -Contain 'LABEL=cidata'
        $p | Should -Contain 'TYPE=iso9660'
    }

    It 'Get-VMGuestDisk shows the backing chain of the overlay and the seed CD' {
        $disks = @(Get-VMGuestDisk $G -ConnectionUri $U)
        $vda = $disks | Where-Object Target -eq vda
        $vda.BackingChain | Should -Be @('/var/lib/libvirt/images/base.qcow2')
        ($disks | Where-Object Device -eq cdrom).Source | Should -Be '/var/lib/libvirt/images/prov1-cidata.iso'
    }

    It 'Import-VMStorageVolume refuses a name in use, and a failed upload leaves no volume' {
        Import-VMStorageVolume $BaseFile -StoragePool default -Name base.qcow2 -ConnectionUri $U -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'StorageVolumeExists,VirtTools.Commands.ImportVMStorageVolumeCommand'
        # A source that ends 1 MiB early: the stream fails half-way, and the half-made volume is deleted.
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
        try {
            $len = (Get-Item $raw).Length
            $plan = [VirtTools.Storage.VolumeImportPlan]::new('default', 'half.raw', "$PoolDir/half.raw", 'raw', $len + 1MB, $len + 1MB)
            $fs = [IO.File]::OpenRead($raw)
            try { { [VirtTools.Storage.VolumeImporter]::new($c).Import($plan, $fs, $raw, $null, [Threading.CancellationToken]::None) } | Should -Throw '*ended after*' }
            finally { $fs.Dispose() }
            $p = $c.FindStoragePool('default'); $p.Refresh()
            try { $p.FindVolume('half.raw') | Should -BeNullOrEmpty } finally { $p.Dispose() }
        } finally { $c.Dispose() }
        Test-Path (Join-Path $PoolDir half.raw) | Should -BeFalse
    }

    It 'Remove-VMGuest -RemoveStorage deletes the overlay and the seed, never the base' {
        Remove-VMGuest $G -ConnectionUri $U -Force -RemoveStorage -Confirm:$false
        Test-Path (Join-Path $PoolDir prov1.qcow2) | Should -BeFalse
        Test-Path (Join-Path $PoolDir prov1-cidata.iso) | Should -BeFalse
        Test-Path (Join-Path $PoolDir base.qcow2) | Should -BeTrue
        Write-Host "  provision lab: set-up and boot $([int]$SetupSeconds) s"
    }
}
