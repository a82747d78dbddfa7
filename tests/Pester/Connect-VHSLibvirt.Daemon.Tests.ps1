# A connection kept by Connect-VHSLibvirt when its libvirtd dies (SIGKILL, as a crash or an OOM kill) and
# comes back (lab.sh revive, as systemd's Restart= would): the next command notices the dead connection
# before using it, connects again in its place and works; while the daemon is down commands fail as they
# would without Connect (LibvirtConnectionFailed) and the URI stays kept. Issue 22 goal 4.
# Needs root, libvirt-daemon-system, qemu-system-x86, qemu-utils; skipped without them.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot Support/LabPrerequisites.ps1)
    $Skip = [bool](Get-LabSkipReason)
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    $W = Join-Path ([IO.Path]::GetTempPath()) ('vt-kept-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $Harness = Join-Path $PSScriptRoot ../libvirt/lab.sh
    function Wait-Until([scriptblock]$Condition, [int]$Seconds, [string]$What) {
        $deadline = (Get-Date).AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ((Get-Date) -gt $deadline) { throw "$What did not happen within $Seconds s" }
            Start-Sleep -Milliseconds 20
        }
    }
    # SIGKILL to daemon a, returned once it is gone (or a zombie).
    function Stop-Daemon {
        $p = Get-Content (Join-Path $W a/libvirtd.pid)
        kill -KILL $p
        Wait-Until { -not (Test-Path "/proc/$p") -or (Get-Content "/proc/$p/stat" -ErrorAction SilentlyContinue) -match '^\d+ \(.*\) Z' } 30 "the end of libvirtd $p"
    }
    function Start-Daemon {
        $out = bash $Harness revive $W a 2>&1
        if ($LASTEXITCODE -ne 0) { throw "lab.sh revive failed: $out" }
    }
}

AfterAll {
    [VirtTools.Libvirt.KeptLibvirtConnections]::DisconnectAll()
    if ($W -and (Test-Path $W)) { bash $Harness stop $W }
}

Describe 'A kept connection across a libvirtd restart' -Skip:$Skip {
    BeforeAll {
        $out = bash $Harness start $W a
        if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed ($LASTEXITCODE): $out" }
        $U = ($out | Where-Object { $_ -like 'LAB_A_URI=*' }) -replace '^LAB_A_URI='
        $null = New-VMGuest kc -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 96MB -ProcessorCount 1 -NoNetwork -WarningAction SilentlyContinue
    }
    AfterEach { [VirtTools.Libvirt.KeptLibvirtConnections]::DisconnectAll() }

    It 'the next Get-VMGuest after a kill and revive works through a new connection' {
        $k = Connect-VHSLibvirt $U
        $k.Driver, $k.IsAlive | Should -Be @('QEMU', $true)
        (Get-VMGuest kc -ConnectionUri $U).Name | Should -Be 'kc'

        Stop-Daemon
        Start-Daemon
        # Nothing between the kill and this command: it must find the old connection dead and connect again.
        $g = Get-VMGuest kc -ConnectionUri $U -ErrorAction Stop
        $g.Name | Should -Be 'kc'
        @(Get-VMGuest -ConnectionUri $U).Name | Should -Contain 'kc'
        $now = Get-VHSLibvirtConnection $U
        $now.IsAlive | Should -BeTrue
        $now.Reconnects | Should -Be 1
        $now.ConnectedAt | Should -BeGreaterThan $k.ConnectedAt
    }

    It 'while the daemon is down commands fail with LibvirtConnectionFailed, the URI stays kept, and it comes back' {
        $null = Connect-VHSLibvirt $U
        Stop-Daemon
        try {
            (Get-VHSLibvirtConnection $U).IsAlive | Should -BeFalse
            { Get-VMGuest kc -ConnectionUri $U -ErrorAction Stop } | Should -Throw -ErrorId 'LibvirtConnectionFailed,VirtTools.Commands.GetVMGuestCommand'
            (Get-VHSLibvirtConnection).Uri | Should -Be @($U)
        }
        finally { Start-Daemon }
        (Get-VMGuest kc -ConnectionUri $U -ErrorAction Stop).Name | Should -Be 'kc'
        (Get-VHSLibvirtConnection $U).IsAlive | Should -BeTrue
    }

    It 'a command running on a lease when the URI is disconnected finishes on it' {
        $null = Connect-VHSLibvirt $U
        $lease = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
        try {
            Disconnect-VHSLibvirt $U
            @($lease.ListDomains() | ForEach-Object { $_.Name; $_.Dispose() }) | Should -Contain 'kc'
        }
        finally { $lease.Dispose() }
        Get-VHSLibvirtConnection | Should -BeNullOrEmpty
    }
}
