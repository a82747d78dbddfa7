# Wait-VMGuest on libvirt's test driver (test:///default), in process: the change comes from a thread job of
# the same process (the test driver's guests are per process), the wait ends on libvirt's lifecycle event.
# The real daemon's proof (within 1 s of a virsh change) is in Monitor.Daemon.Tests.ps1.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    $U = 'test:///default'
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
    function New-TestGuest([string]$Name) {
        $d = $Keep.DefineDomain("<domain type='test'><name>$Name</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='i686'>hvm</type></os></domain>", 'None')
        $d.Start('None'); $d.Dispose()
    }
    # Changes a guest from another thread after a delay, as virsh would from another process.
    function Start-Change([string]$Name, [string]$Method, [int]$DelayMs) {
        Start-ThreadJob -ArgumentList $Name, $Method, $DelayMs -ScriptBlock {
            param($n, $m, $ms)
            Start-Sleep -Milliseconds $ms
            $c = [VirtTools.Libvirt.LibvirtConnector]::Open('test:///default')
            $d = $c.FindDomain($n)
            if ($m -eq 'Destroy') { $d.Destroy('Default') } else { $d.$m() }
            $d.Dispose(); $c.Dispose()
        }
    }
}

AfterAll { $Keep.Dispose() }

Describe 'Wait-VMGuest' {
    BeforeEach { New-TestGuest wvg1; New-TestGuest wvg2 }
    AfterEach {
        Get-Job | Remove-Job -Force
        foreach ($n in 'wvg1', 'wvg2') {
            $d = $Keep.FindDomain($n)
            if ($d) { if ($d.IsActive) { $d.Destroy('Default') }; $d.Undefine('None'); $d.Dispose() }
        }
    }

    It 'is exported with VMGuest output and the three states' {
        $c = Get-Command Wait-VMGuest
        $c.OutputType.Name | Should -Contain 'VirtTools.VMGuest'
        $c.Parameters['State'].Attributes.ValidValues | Should -Be @('Running', 'ShutOff', 'Paused')
        $c.Parameters['For'].Attributes.ValidValues | Should -Be @('IPAddress')
        $c.OutputType.Name | Should -Contain 'VirtTools.VMGuestNetworkAdapter'
    }

    It '-For IPAddress returns the adapters that have an address (the test driver''s guest has its lease at once)' {
        $n = Wait-VMGuest test -For IPAddress -ConnectionUri $U -TimeoutSec 5
        $n.Guest | Should -Be 'test'
        $n.IPAddresses[0].Source | Should -Be 'Lease'
        $n.IPAddresses[0].Address | Should -Match '^\d+\.\d+\.\d+\.\d+$'
    }

    It '-For IPAddress times out on a guest without a NIC, naming what was reached' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Wait-VMGuest wvg1 -For IPAddress -ConnectionUri $U -TimeoutSec 1 -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $sw.Elapsed.TotalSeconds | Should -BeGreaterThan 0.9
        $e[0].FullyQualifiedErrorId | Should -Be 'GuestWaitTimedOut,VirtTools.Commands.WaitVMGuestCommand'
        $e[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $e[0].Exception.Message | Should -BeLike '*no IP address within 1 s: it runs, with no network adapter*'
        $e[0].ErrorDetails.RecommendedAction | Should -BeLike '*Add-VMGuestNetworkAdapter*'
    }

    It '-State and -For cannot be given together' {
        { Wait-VMGuest wvg1 -State Running -For IPAddress -ConnectionUri $U } | Should -Throw -ErrorId 'AmbiguousParameterSet*'
    }

    It 'returns a guest already in the state at once' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $g = Wait-VMGuest wvg1 -State Running -ConnectionUri $U -TimeoutSec 5
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 1
        $g.Name | Should -Be 'wvg1'
        $g.State | Should -Be 'Running'
    }

    It 'returns when another client suspends, resumes or destroys the guest, with the guest in that state' -ForEach @(
        @{ Method = 'Suspend'; State = 'Paused' }, @{ Method = 'Destroy'; State = 'ShutOff' }
    ) {
        $job = Start-Change wvg1 $Method 500
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $g = Wait-VMGuest wvg1 -State $State -ConnectionUri $U -TimeoutSec 20
        $sw.Elapsed.TotalSeconds | Should -BeGreaterThan 0.4
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
        $job | Wait-Job -Timeout 10 | Receive-Job -ErrorAction Stop
        $g.State | Should -Be $State
    }

    It 'waits for every guest a wildcard names, piped guests too' {
        $d = $Keep.FindDomain('wvg2'); $d.Suspend(); $d.Dispose()
        $job = Start-Change wvg2 'Resume' 300
        @(Wait-VMGuest wvg* -State Running -ConnectionUri $U -TimeoutSec 20).Name | Should -Be @('wvg1', 'wvg2')
        $job | Wait-Job -Timeout 10 | Receive-Job -ErrorAction Stop
        @(Get-VMGuest wvg* -ConnectionUri $U | Wait-VMGuest -State Running -TimeoutSec 5).Count | Should -Be 2
    }

    It 'a timeout is GuestWaitTimedOut (OperationTimeout) and names the state reached' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $g = Wait-VMGuest wvg1 -State ShutOff -ConnectionUri $U -TimeoutSec 1 -ErrorVariable e -ErrorAction SilentlyContinue
        $sw.Elapsed.TotalSeconds | Should -BeGreaterThan 0.9
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
        $g | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'GuestWaitTimedOut,VirtTools.Commands.WaitVMGuestCommand'
        $e[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $e[0].Exception.Message | Should -BeLike "*'wvg1' did not reach ShutOff within 1 s: it is Running*"
        $e[0].TargetObject | Should -Be 'wvg1'
    }

    It 'a guest that does not exist is GuestNotFound' {
        Wait-VMGuest nosuch -State Running -ConnectionUri $U -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -Be 'GuestNotFound,VirtTools.Commands.WaitVMGuestCommand'
    }
}
