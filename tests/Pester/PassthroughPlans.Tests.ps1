# Enable-VfioDevice plans as a new user meets them: a whole pipeline counts before a group is called
# non-viable, and on the recorded ThinkPad capture no bridge or platform function is planned.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    Add-Type -Path (Join-Path $PSScriptRoot ../VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
    $script:savedRoot = $env:VIRTTOOLS_ROOT
    $script:savedSsh = $env:SSH_CONNECTION
    $script:savedRepo = $env:VIRTTOOLS_REPO
    # Fixtures finds the repository from this variable when the host is pwsh itself.
    $env:VIRTTOOLS_REPO = (Resolve-Path (Join-Path $PSScriptRoot ../..)).Path
    $env:SSH_CONNECTION = $null
    $script:W = [VirtTools.Testing.SimulatedHosts+Workstation]
    # Sysfs trees hold symlink loops: never under $TestDrive, which Pester walks.
    $script:tmp = Join-Path ([IO.Path]::GetTempPath()) ('vt-plans-' + [guid]::NewGuid().ToString('n'))
    function New-SimHost {
        $root = Join-Path $script:tmp ([guid]::NewGuid().ToString('n'))
        $kernel = [VirtTools.Testing.SimulatedHosts]::CreateWorkstation($root, $true)
        $null = $kernel.Install()
        $kernel
    }
}

AfterAll {
    [VirtTools.Testing.SimulatedKernel]::Uninstall()
    $env:VIRTTOOLS_ROOT = $script:savedRoot
    $env:SSH_CONNECTION = $script:savedSsh
    $env:VIRTTOOLS_REPO = $script:savedRepo
    if (Test-Path $script:tmp) { Remove-Item -Recurse -Force $script:tmp }
}

Describe 'Enable-VfioDevice group warnings count the whole call' {
    AfterEach { [VirtTools.Testing.SimulatedKernel]::Uninstall() }

    It 'warns "stays non-viable" when a group member is left out' {
        $null = New-SimHost
        $null = Enable-VfioDevice $W::Gpu -WhatIf -WarningVariable w -WarningAction SilentlyContinue
        ($w | Where-Object { "$_" -match 'non-viable' }) | Should -HaveCount 1
        "$w" | Should -Match ([regex]::Escape($W::GpuAudio))
    }

    It 'does not warn when every member is in the same call, as arguments or through the pipeline' {
        $null = New-SimHost
        $null = Enable-VfioDevice $W::Gpu, $W::GpuAudio -WhatIf -WarningVariable w1 -WarningAction SilentlyContinue
        ($w1 | Where-Object { "$_" -match 'non-viable' }) | Should -BeNullOrEmpty
        $null = $W::Gpu, $W::GpuAudio | Enable-VfioDevice -WhatIf -WarningVariable w2 -WarningAction SilentlyContinue
        ($w2 | Where-Object { "$_" -match 'non-viable' }) | Should -BeNullOrEmpty
    }

    It 'warns once per group, after the last input' {
        $null = New-SimHost
        $null = $W::Gpu, $W::FreeNic | Enable-VfioDevice -WhatIf -WarningVariable w -WarningAction SilentlyContinue
        @($w | Where-Object { "$_" -match 'non-viable' }) | Should -HaveCount 1
    }
}

Describe 'Enable-VfioDevice 0000:00:* on the recorded laptop' {
    BeforeAll {
        $env:VIRTTOOLS_ROOT = [VirtTools.Testing.Fixtures]::Root('ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz')
        $script:out = @(Enable-VfioDevice '0000:00:*' -WhatIf -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 6>&1)
        $script:errs = $errs
        $script:byAddress = @{}
        foreach ($e in $errs) { $script:byAddress["$($e.TargetObject)"] = $e }
    }
    AfterAll { $env:VIRTTOOLS_ROOT = $script:savedRoot }

    It 'refuses every bridge (host, ISA/LPC, PCI) as DeviceIsBridge' {
        foreach ($a in '0000:00:00.0', '0000:00:1f.0', '0000:00:06.0', '0000:00:07.0') {
            $byAddress[$a].FullyQualifiedErrorId | Should -BeLike 'DeviceIsBridge,*' -Because $a
        }
        $byAddress['0000:00:1f.0'].Exception.Message | Should -Match 'ISA/LPC bridge'
    }

    It 'refuses the SMBus, SPI flash and MEI functions without -Force, saying why' {
        $byAddress['0000:00:1f.4'].FullyQualifiedErrorId | Should -BeLike 'DeviceIsPlatformFunction,*'
        $byAddress['0000:00:1f.4'].Exception.Message | Should -Match 'SMBus'
        $byAddress['0000:00:1f.5'].FullyQualifiedErrorId | Should -BeLike 'DeviceIsPlatformFunction,*'
        $byAddress['0000:00:1f.5'].Exception.Message | Should -Match 'SPI flash'
        $byAddress['0000:00:16.0'].FullyQualifiedErrorId | Should -BeLike 'DeviceIsPlatformFunction,*'
        $byAddress['0000:00:16.0'].Exception.Message | Should -Match 'MEI'
    }

    It 'says, for the others, that the capture has no driver_override and nothing changed' {
        $e = $byAddress['0000:00:14.3']
        $e.FullyQualifiedErrorId | Should -BeLike 'DriverOverrideMissing,*'
        $e.Exception.Message | Should -Match 'Nothing was changed'
        $e.Exception.Message | Should -Not -Match 'ROLLBACK'
    }

    It 'keeps refusing bridges with -Force' {
        Enable-VfioDevice 0000:00:1f.0 -Force -WhatIf -ErrorVariable fe -ErrorAction SilentlyContinue
        $fe[0].FullyQualifiedErrorId | Should -BeLike 'DeviceIsBridge,*'
    }
}
