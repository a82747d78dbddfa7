# Get-VHSResource on libvirt's test driver (test:///default), in process: the node's figures, what running
# guests commit, huge pages (the test driver answers for its fictional host), errors and the views.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    $U = 'test:///default'
    $Keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
}

AfterAll { $Keep.Dispose() }

Describe 'Get-VHSResource' {
    AfterEach {
        $d = $Keep.FindDomain('vhsres1')
        if ($d) { if ($d.IsActive) { $d.Destroy('Default') }; $d.Undefine('None'); $d.Dispose() }
    }

    It 'is exported with VHSResource output' {
        (Get-Command Get-VHSResource).OutputType.Name | Should -Contain 'VirtTools.VHSResource'
    }

    It 'reports the node as virsh nodeinfo does, and a started guest adds its vCPUs and memory' {
        $before = Get-VHSResource -ConnectionUri $U
        $info = virsh -c $U nodeinfo
        function Field([string]$Label) { [long](($info | Select-String "^$Label\s+(\d+)").Matches[0].Groups[1].Value) }
        $before.ProcessorCount | Should -Be (Field 'CPU\(s\):')
        $before.MemoryBytes | Should -Be (1KB * (Field 'Memory size:'))
        $before.FreeMemoryBytes | Should -BeGreaterThan 0
        $before.ConnectionUri | Should -Be $U
        $d = $Keep.DefineDomain("<domain type='test'><name>vhsres1</name><memory unit='MiB'>512</memory><vcpu>3</vcpu><os><type arch='i686'>hvm</type></os></domain>", 'None')
        $d.Start('None'); $d.Dispose()
        $after = Get-VHSResource -ConnectionUri $U
        $after.RunningGuestCount | Should -Be ($before.RunningGuestCount + 1)
        $after.CommittedProcessorCount | Should -Be ($before.CommittedProcessorCount + 3)
        $after.CommittedMemoryBytes | Should -Be ($before.CommittedMemoryBytes + 512MB)
        $after.UncommittedProcessorCount | Should -Be ($after.ProcessorCount - $after.CommittedProcessorCount)
    }

    It 'lists the huge page sizes libvirt reports, leaving out the base page' {
        $r = Get-VHSResource -ConnectionUri $U
        $r.HugePages.PageSizeBytes | Should -Contain 2MB
        $r.HugePages.PageSizeBytes | Should -Not -Contain 4KB
        $r.HugePages.Source | Select-Object -Unique | Should -Be 'libvirt'
    }

    It 'takes the URI from piped guests' {
        $r = @(Get-VMGuest -ConnectionUri $U -Name test | Get-VHSResource)
        $r.Count | Should -Be 1
        $r[0].ConnectionUri | Should -Be $U
    }

    It 'a socket path that does not exist is LibvirtSocketNotFound (advice about the URI, not libvirtd)' {
        { Get-VHSResource -ConnectionUri 'qemu+unix:///system?socket=/nonexistent/sock' -ErrorAction Stop } |
            Should -Throw -ErrorId 'LibvirtSocketNotFound,VirtTools.Commands.GetVHSResourceCommand'
    }

    It 'renders the table and the list within 80 columns' {
        $r = Get-VHSResource -ConnectionUri $U
        foreach ($text in ($r | Out-String -Width 80), ($r | Format-List | Out-String -Width 80)) {
            $lines = $text -split "`r?`n"
            ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        }
        ($r | Out-String -Width 80) | Should -Match 'ComputerName\s+CPUs\s+vCPUs\s+MemGiB\s+FreeGiB\s+UsedGiB\s+Guests\s+HugePages'
        ($r | Format-List | Out-String -Width 80) | Should -Match 'Committed\s+: \d+ vCPUs'
    }
}
