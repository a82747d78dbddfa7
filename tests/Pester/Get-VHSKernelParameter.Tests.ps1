# Get-VHSKernelParameter on the hand-written roots of tests/fixtures/hostconfig.
BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
    $Fq = ',VirtTools.Commands.GetVHSKernelParameterCommand'
}

AfterAll { Restore-TestHost }

Describe 'Get-VHSKernelParameter' {
    Context 'command shape' {
        It 'declares KernelParameterSetting output and a wildcard -Name from the pipeline' {
            $c = Get-Command Get-VHSKernelParameter
            $c.OutputType.Name | Should -Contain 'VirtTools.KernelParameterSetting'
            $c.Parameters['Name'].Attributes.ValueFromPipelineByPropertyName | Should -Contain $true
            $c.Parameters['Name'].Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] } | Should -Not -BeNullOrEmpty
        }
    }

    Context 'a SLES 15 SP6 GRUB2 host' {
        BeforeAll {
            $root = New-ConfigRoot sles15sp6
            $null = Use-ConfigRoot $root
            $all = @(Get-VHSKernelParameter)
        }

        It 'puts each parameter in /etc/default/grub beside /proc/cmdline' {
            $quiet = $all | Where-Object Name -eq 'quiet'
            $quiet.Source | Should -Be 'Both'
            $quiet.File | Should -Be '/etc/default/grub'
            $quiet.Variable | Should -Be 'GRUB_CMDLINE_LINUX_DEFAULT'
            $quiet.BootLoader | Should -Be 'Grub2'
        }

        It 'shows what GRUB adds at boot as Running only' {
            ($all | Where-Object Name -eq 'BOOT_IMAGE').Source | Should -Be 'Running'
            ($all | Where-Object Name -eq 'root').File | Should -Be '/proc/cmdline'
        }

        It 'filters by wildcard, with - and _ alike' {
            @(Get-VHSKernelParameter -Name 'crash*') | Should -HaveCount 2
            @(Get-VHSKernelParameter -Name 'BOOT-IMAGE').Name | Should -Be 'BOOT_IMAGE'
        }

        It 'takes names from the pipeline by property name' {
            $names = @([pscustomobject]@{ Name = 'quiet' }, [pscustomobject]@{ Name = 'security' } | Get-VHSKernelParameter | ForEach-Object Name)
            $names | Should -Be @('quiet', 'security')
        }

        It 'filters by -Source; Both counts as Configured' {
            $configured = @(Get-VHSKernelParameter -Source Configured)
            $configured.Source | Sort-Object -Unique | Should -Be @('Both')
            @(Get-VHSKernelParameter -Source Running | Where-Object Source -eq 'Running').Name | Should -Be @('BOOT_IMAGE', 'root')
        }

        It 'writes KernelParameterNotFound for an absent literal name' {
            $r = @(Get-VHSKernelParameter -Name intel_iommu -ErrorAction SilentlyContinue -ErrorVariable problems)
            $r | Should -HaveCount 0
            $problems[0].FullyQualifiedErrorId | Should -BeExactly "KernelParameterNotFound$Fq"
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'other boot loaders and distributions' {
        It 'reads /etc/kernel/cmdline on SLE Micro 6 (sdbootutil), kernel quotes as the kernel reads them' {
            $null = Use-ConfigRoot (New-ConfigRoot slemicro6)
            $osi = Get-VHSKernelParameter acpi_osi
            $osi.Value | Should -Be 'Windows 2015'
            $osi.Source | Should -Be 'Both'
            $osi.File | Should -Be '/etc/kernel/cmdline'
            $osi.BootLoader | Should -Be 'SystemdBoot'
        }

        It 'shows a lagging /proc/cmdline as one Configured and one Running entry' {
            $root = New-ConfigRoot slemicro55
            Set-RootFile $root /etc/default/grub ((Get-RootFile $root /etc/default/grub) -replace 'intel_iommu=off', 'intel_iommu=on')
            $null = Use-ConfigRoot $root
            $i = @(Get-VHSKernelParameter intel_iommu)
            ($i | Where-Object Source -eq 'Configured').Value | Should -Be 'on'
            ($i | Where-Object Source -eq 'Running').Value | Should -Be 'off'
        }

        It 'warns and still lists the running parameters when the boot loader is not supported' {
            $root = New-ConfigRoot
            Set-RootFile $root /proc/cmdline "root=/dev/sda1 quiet`n"
            Set-RootFile $root /etc/os-release "ID=fedora`nPRETTY_NAME=`"Fedora Linux 40`"`n"
            $null = Use-ConfigRoot $root
            $r = @(Get-VHSKernelParameter -WarningVariable w -WarningAction SilentlyContinue)
            $r.Source | Sort-Object -Unique | Should -Be 'Running'
            "$w" | Should -Match 'No supported boot loader'
        }
    }
}
