# Measure-VMGuest on libvirt's test driver (test:///default), in process. The test driver fills only the
# state group of the bulk call, so figures are null here: their parsing is proven in xUnit on recorded real
# records (GuestMonitorTests), their values against virsh domstats in Monitor.Daemon.Tests.ps1.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    $U = 'test:///default'
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
    foreach ($n in 'mvg1', 'mvg2', 'mvg-off') {
        $d = $Keep.DefineDomain("<domain type='test'><name>$n</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='i686'>hvm</type></os></domain>", 'None')
        if ($n -ne 'mvg-off') { $d.Start('None') }
        $d.Dispose()
    }
}

AfterAll {
    foreach ($n in 'mvg1', 'mvg2', 'mvg-off') {
        $d = $Keep.FindDomain($n)
        if ($d) { if ($d.IsActive) { $d.Destroy('Default') }; $d.Undefine('None'); $d.Dispose() }
    }
    $Keep.Dispose()
}

Describe 'Measure-VMGuest' {
    It 'is exported with VMGuestMeasurement output, -MaxSamples and -Continuous in their own sets' {
        $c = Get-Command Measure-VMGuest
        $c.OutputType.Name | Should -Contain 'VirtTools.VMGuestMeasurement'
        $c.ParameterSets.Name | Should -Be @('Samples', 'Continuous')
        { Measure-VMGuest -ConnectionUri $U -MaxSamples 2 -Continuous } | Should -Throw -ErrorId 'AmbiguousParameterSet*'
        { Measure-VMGuest -ConnectionUri $U -SampleInterval 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'without -Name measures every running guest, one object per guest per interval' {
        $running = @(Get-VMGuest -ConnectionUri $U -State Running).Name
        $m = @(Measure-VMGuest -ConnectionUri $U -MaxSamples 2)
        $m.Count | Should -Be (2 * $running.Count)
        ($m | Where-Object SampleNumber -eq 1).Name | Sort-Object | Should -Be ($running | Sort-Object)
        ($m | Where-Object SampleNumber -eq 2).Name | Sort-Object | Should -Be ($running | Sort-Object)
        $m.Name | Should -Not -Contain 'mvg-off'
        $m[0].SampleInterval.TotalSeconds | Should -BeGreaterThan 0.9
        $m[0].ConnectionUri | Should -Be $U
        $m[0].State | Should -Be 'Running'
    }

    It 'takes names with wildcards and guests from the pipeline, each guest once' {
        @(Measure-VMGuest mvg* -ConnectionUri $U -WarningAction SilentlyContinue).Name | Should -Be @('mvg1', 'mvg2')
        @(Get-VMGuest mvg1, mvg2, mvg1 -ConnectionUri $U | Measure-VMGuest).Name | Should -Be @('mvg1', 'mvg2')
    }

    It 'warns about a shut-off guest and measures the others' {
        $m = @(Measure-VMGuest mvg-off, mvg2 -ConnectionUri $U -WarningVariable w -WarningAction SilentlyContinue)
        $m.Name | Should -Be 'mvg2'
        "$w" | Should -BeLike "*'mvg-off' is not running*"
    }

    It 'a guest that does not exist is GuestNotFound' {
        $m = Measure-VMGuest nosuch -ConnectionUri $U -ErrorVariable e -ErrorAction SilentlyContinue
        $m | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'GuestNotFound,VirtTools.Commands.MeasureVMGuestCommand'
        $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It '-Continuous streams until the pipeline stops it' {
        $m = @(Measure-VMGuest mvg1 -ConnectionUri $U -Continuous | Select-Object -First 3)
        $m.SampleNumber | Should -Be @(1, 2, 3)
    }

    It 'the test driver''s missing groups stay empty, not zero' {
        $m = Measure-VMGuest mvg1 -ConnectionUri $U
        $m.CpuPercent | Should -BeNullOrEmpty
        $m.DiskReadBytesPerSecond | Should -BeNullOrEmpty
    }

    It 'renders the table and the list within 80 columns' {
        $m = Measure-VMGuest mvg1 -ConnectionUri $U
        foreach ($text in ($m | Out-String -Width 80), ($m | Format-List | Out-String -Width 80)) {
            ($text -split "`r?`n" | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        }
        ($m | Out-String -Width 80) | Should -Match 'Name\s+CPU%\s+vCPUs\s+MemMiB\s+RssMiB\s+RdKiB/s\s+WrKiB/s\s+RxKiB/s\s+TxKiB/s'
    }

    It 'a socket path that does not exist is LibvirtSocketNotFound (advice about the URI, not libvirtd)' {
        { Measure-VMGuest -ConnectionUri 'qemu+unix:///system?socket=/nonexistent/sock' -ErrorAction Stop } |
            Should -Throw -ErrorId 'LibvirtSocketNotFound,VirtTools.Commands.MeasureVMGuestCommand'
    }
}
