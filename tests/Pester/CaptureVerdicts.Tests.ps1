# Honest verdicts on captured roots: a capture that did not record the groups is not a host whose IOMMU
# is off, and a root with nothing in it is not a host that passed every check.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    Add-Type -Path (Join-Path $PSScriptRoot ../VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
    $script:savedRoot = $env:VIRTTOOLS_ROOT
    $script:savedRepo = $env:VIRTTOOLS_REPO
    $env:VIRTTOOLS_REPO = (Resolve-Path (Join-Path $PSScriptRoot ../..)).Path
    $script:tmp = Join-Path ([IO.Path]::GetTempPath()) ('vt-verdicts-' + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory -Path (Join-Path $script:tmp 'empty/etc')
}

AfterAll {
    $env:VIRTTOOLS_ROOT = $script:savedRoot
    $env:VIRTTOOLS_REPO = $script:savedRepo
    if (Test-Path $script:tmp) { Remove-Item -Recurse -Force $script:tmp }
}

Describe 'A capture whose cmdline asks for the IOMMU but that lacks /sys/kernel/iommu_groups' {
    BeforeAll {
        # OpenShift worker1: intel_iommu=on iommu=pt on the cmdline, no iommu_groups recorded.
        $env:VIRTTOOLS_ROOT = [VirtTools.Testing.Fixtures]::Root('openshift-node-tuning-operator/bare-metal__worker1.internal.sysinfo.tgz')
    }
    AfterAll { $env:VIRTTOOLS_ROOT = $script:savedRoot }

    It 'Get-IommuGroup says the capture does not hold the groups, not that the firmware is off' {
        $null = Get-IommuGroup -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -Match 'capture does not hold the IOMMU groups'
        "$w" | Should -Match 'intel_iommu=on'
        "$w" | Should -Not -Match 'firmware'
    }

    It 'a device piped in gets the same answer' {
        $d = @(Get-PciDevice -WarningAction SilentlyContinue)[0]
        $d | Get-IommuGroup -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'NoIommuGroup,*'
        $e[0].Exception.Message | Should -Match 'capture does not hold the IOMMU groups'
        $e[0].ErrorDetails.RecommendedAction | Should -Not -Match 'firmware'
    }
}

Describe 'A root with neither sys/ nor proc/' {
    BeforeAll { $env:VIRTTOOLS_ROOT = Join-Path $script:tmp 'empty' }
    AfterAll { $env:VIRTTOOLS_ROOT = $script:savedRoot }

    It 'Test-VHSRequirement -Quiet warns and answers False' {
        $r = Test-VHSRequirement -Quiet -WarningVariable w -WarningAction SilentlyContinue
        $r | Should -BeFalse
        "$w" | Should -Match 'nothing could be checked'
    }

    It 'Get-PciDevice warns instead of printing nothing' {
        $out = @(Get-PciDevice -WarningVariable w -WarningAction SilentlyContinue)
        $out | Should -HaveCount 0
        "$w" | Should -Match 'neither sys/ nor proc/'
    }

    It 'Get-IommuGroup says nothing could be read, not that the IOMMU is off' {
        $null = Get-IommuGroup -WarningVariable w -WarningAction SilentlyContinue
        "$w" | Should -Match 'neither sys/ nor proc/'
        "$w" | Should -Not -Match 'firmware'
    }
}
