# Parameters as a new user types them: displayed class names and wildcards, driver names with - or _,
# 0x-prefixed ids, a verbose word when a filter matches nothing, completion, and HelpUri.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/TestHost.ps1)
    $none = [NullString]::Value
    $script:root = New-TestTempPath 'vt-params'
    $b = [VirtTools.Testing.SysfsTreeBuilder]::new($script:root)
    $null = $b.Pci('0000:00:00.0', $none, '8086', '29c0', '060000', $none, 0)
    $null = $b.Pci('0000:00:02.0', $none, '1af4', '1041', '020000', 'virtio-pci', 1)
    $null = $b.Pci('0000:00:03.0', $none, '1af4', '1042', '010000', 'virtio-pci', 2)
    $null = $b.Pci('0000:00:04.0', $none, '8086', '10d3', '020000', 'e1000e', 3)
    $null = $b.Pci('0000:00:1f.3', $none, '8086', '293e', '040300', 'snd_hda_intel', 4)
    $env:VIRTTOOLS_ROOT = $script:root
    function Complete([string]$Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
    }
}

AfterAll { Restore-TestHost }

Describe 'Get-PciDevice -Class' {
    It 'accepts the name shown in the Class column' {
        (@(Get-PciDevice -Class 'Ethernet controller') | ForEach-Object Address) -join ' ' | Should -BeExactly '0000:00:02.0 0000:00:04.0'
    }
    It 'accepts wildcards over friendly and displayed names' {
        @(Get-PciDevice -Class 'net*') | Should -HaveCount 2
        @(Get-PciDevice -Class '*audio*') | Should -HaveCount 1
        @(Get-PciDevice -Class 'Host*') | Should -HaveCount 1
    }
    It 'still refuses a name that is no class at all' {
        { Get-PciDevice -Class Networks } | Should -Throw -ErrorId 'InvalidPciClass,VirtTools.Commands.GetPciDeviceCommand'
    }
}

Describe 'Get-PciDevice -Driver, -VendorId, -DeviceId' {
    It 'matches - and _ alike in driver names, as the kernel does' {
        @(Get-PciDevice -Driver virtio_pci) | Should -HaveCount 2
        @(Get-PciDevice -Driver 'snd-hda-intel') | Should -HaveCount 1
        @(Get-PciDevice -Driver 'virtio_*') | Should -HaveCount 2
    }
    It 'accepts 0x-prefixed and upper-case ids' {
        @(Get-PciDevice -VendorId 0x1AF4) | Should -HaveCount 2
        @(Get-PciDevice -VendorId 1AF4 -DeviceId 0x1041) | Should -HaveCount 1
    }
    It 'says in -Verbose when a filter matches no device on this host' {
        $v = @(Get-PciDevice -Driver nvme -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        ($v | ForEach-Object Message) -join "`n" | Should -Match "-Driver 'nvme' matches no PCI function"
        $v2 = @(Get-PciDevice -VendorId 10de -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        ($v2 | ForEach-Object Message) -join "`n" | Should -Match "-VendorId '10de' matches no PCI function"
    }
}

Describe 'Tab completion' {
    It 'completes -Driver with the drivers of this host' {
        $m = @(Complete 'Get-PciDevice -Driver vir')
        $m.CompletionText | Should -Contain 'virtio-pci'
        $m.CompletionText | Should -Not -Contain 'e1000e'
    }
    It 'completes -VendorId with ids and vendor names as tooltips' {
        $m = @(Complete 'Get-PciDevice -VendorId 1a')
        $m.CompletionText | Should -Be @('1af4')
        $m[0].ToolTip | Should -Match 'Red Hat'
    }
    It 'completes -DeviceId with the device names as tooltips, within -VendorId' {
        $m = @(Complete 'Get-PciDevice -VendorId 1af4 -DeviceId ')
        $m.CompletionText -join ' ' | Should -BeExactly '1041 1042'
        $m[0].ToolTip | Should -Match 'network'
    }
    It 'completes Get-IommuGroup -Number with group numbers and their members' {
        $m = @(Complete 'Get-IommuGroup -Number ')
        $m.CompletionText -join ' ' | Should -BeExactly '0 1 2 3 4'
        $m[1].ToolTip | Should -Match '0000:00:02.0'
    }
}

Describe 'Online help' {
    BeforeAll {
        $script:cmds = @(Get-Command -Module VirtTools -CommandType Cmdlet)
        $script:base = ([VirtTools.Commands.VirtToolsCmdlet]::HelpBase)
    }
    It 'gives every cmdlet a HelpUri to its docs page in the repository' {
        $base | Should -Match '^https://github\.com/[^/]+/VirtTools/blob/main/docs/$'
        foreach ($c in $cmds) { $c.HelpUri | Should -BeExactly ($base + $c.Name + '.md') -Because $c.Name }
    }
    It 'names the same address as the online version of every docs page' {
        foreach ($c in $cmds) {
            $md = Get-Content -Raw (Join-Path $PSScriptRoot "../../docs/$($c.Name).md")
            $md | Should -Match ("(?m)^online version: " + [regex]::Escape($base + $c.Name + '.md') + '\s*$') -Because $c.Name
        }
    }
    It 'keeps Get-Help working from the en-US MAML' {
        foreach ($c in $cmds) {
            $h = Get-Help $c.Name -Full
            $h.Synopsis | Should -Not -BeNullOrEmpty -Because $c.Name
            $h.Synopsis | Should -Not -Match '^\s*\S+ \[' -Because "$($c.Name) must have its own page, not the generated syntax"
        }
    }
}
