# Runs with nobody at the keyboard and without root (issue 19 items 4 and 5): every host-changing cmdlet
# refuses an ordinary user with one RequiresRoot before touching anything (a simulated live host whose
# /proc/self/status says uid 1000, read through the host seam); every High-impact cmdlet fails at once with
# ConfirmationRequired in `pwsh -NonInteractive` and in a runspace without a host, and prompts nothing with
# -Confirm:$false; nothing in the module writes to the host UI itself; progress follows $ProgressPreference.
BeforeDiscovery {
    $changing = @(
        @{ Name = 'Enable-VfioDevice'; Kind = 'sim'; Run = { Enable-VfioDevice $W::FreeNic -Confirm:$false } }
        @{ Name = 'Disable-VfioDevice'; Kind = 'simvfio'; Run = { Disable-VfioDevice $W::FreeNic -Confirm:$false } }
        @{ Name = 'Set-SriovVfCount'; Kind = 'sriov'; Run = { Set-SriovVfCount $W::SriovNic 2 -Confirm:$false } }
        @{ Name = 'Set-SriovVf'; Kind = 'vf'; Run = { Set-SriovVf -PhysicalFunction $W::SriovNic -Index 0 -MacAddress 02:11:22:33:44:55 -Confirm:$false } }
        @{ Name = 'Set-VHSKernelParameter'; Kind = 'sles'; Run = { Set-VHSKernelParameter intel_iommu on -Confirm:$false } }
        @{ Name = 'Remove-VHSKernelParameter'; Kind = 'sles'; Run = { Remove-VHSKernelParameter quiet -Confirm:$false } }
        @{ Name = 'Enable-VHSIommu'; Kind = 'sles'; Run = { Enable-VHSIommu -Confirm:$false } }
        @{ Name = 'Set-VHSVfioBootBinding'; Kind = 'sles'; Run = { Set-VHSVfioBootBinding -Confirm:$false } }
        @{ Name = 'Set-VHSKernelModuleOption'; Kind = 'sles'; Run = { Set-VHSKernelModuleOption kvm_intel enable_apicv=0 -Persist -Confirm:$false } }
        @{ Name = 'Import-VHSKernelModule'; Kind = 'sles'; Run = { Import-VHSKernelModule vfio-pci -Confirm:$false } }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot HostConfig.TestSupport.ps1)
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $env:SSH_CONNECTION = $null
    $repo = (Resolve-Path (Join-Path $PSScriptRoot ../..)).Path

    # The host a row changes, installed; returns what proves that nothing changed (a snapshot to compare).
    function Use-RowHost([string] $Kind) {
        switch ($Kind) {
            'sles' {
                $root = New-ConfigRoot sles15sp6
                $runner = Use-ConfigRoot $root @{ 'grub2-mkconfig -o /boot/grub2/grub.cfg' = 0; 'dracut -f' = 0; 'modprobe vfio-pci' = 0 }
                return [pscustomobject]@{ Root = $root; Runner = $runner; Kernel = $null }
            }
            'vf' {
                $k = [VirtTools.Testing.SimulatedHosts]::CreateSriovWorkstation((New-TestTempPath 'vt-unattended-vf'), $true)
                $null = [VirtTools.Testing.SimulatedIpLink]::new($k).AddPf($W::SriovNic, 'enp8s0f0')
                $k.Write("/sys/bus/pci/devices/$($W::SriovNic)/sriov_numvfs", '2')
            }
            'sriov' { $k = [VirtTools.Testing.SimulatedHosts]::CreateSriovWorkstation((New-TestTempPath 'vt-unattended-sriov'), $true) }
            default { $k = [VirtTools.Testing.SimulatedHosts]::CreateWorkstation((New-TestTempPath 'vt-unattended-sim'), $true) }
        }
        $null = $k.Install()
        if ($Kind -eq 'simvfio') { Enable-VfioDevice $W::FreeNic -Confirm:$false }
        $k.ClearLog()
        [pscustomobject]@{ Root = $k.Tree.Root; Runner = $k.Processes; Kernel = $k }
    }
}

AfterAll { Restore-TestHost }

Describe 'An ordinary user on the live host' {
    AfterEach { [VirtTools.Testing.SimulatedKernel]::Uninstall() }

    It 'every [ChangesHost] cmdlet is in this table, and every host-changing cmdlet has [ChangesHost]' -ForEach @{ Names = $changing.Name } {
        $marked = Get-Command -Module VirtTools | Where-Object { $_.ImplementingType.GetCustomAttributes([VirtTools.Commands.ChangesHostAttribute], $true).Count -gt 0 }
        @($marked.Name | Sort-Object) | Should -Be @($Names | Sort-Object)
        # The rest that change something act on guests through libvirt, whose daemon decides who may.
        $unmarked = Get-Command -Module VirtTools | Where-Object { $_.Parameters.ContainsKey('WhatIf') -and $_.Name -notin $marked.Name }
        foreach ($c in $unmarked) { $c.Parameters.ContainsKey('ConnectionUri') | Should -BeTrue -Because "$($c.Name) changes something that is not a guest" }
    }

    It '<Name> stops with one RequiresRoot and touches nothing' -ForEach $changing {
        $h = Use-RowHost $Kind
        $null = [VirtTools.Testing.SimulatedUser]::Install(1000, 0, 'alice')
        $before = Get-TreeSnapshot $h.Root
        $calls = @($h.Runner.Calls).Count
        $e = @(try { & $Run 2>&1 3>$null | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } } catch { $_ })
        $e.Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike "RequiresRoot,VirtTools.Commands.*"
        $e[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        "$($e[0])" | Should -BeLike "$Name *needs root: this process runs as uid 1000 (alice) without CAP_*Nothing was changed."
        $e[0].ErrorDetails.RecommendedAction | Should -BeLike '*sudo virttools -Command*'
        Get-TreeSnapshot $h.Root | Should -Be $before
        @($h.Runner.Calls).Count | Should -Be $calls
        if ($h.Kernel) { $h.Kernel.Writes | Should -BeNullOrEmpty }
    }

    It '<Name> -WhatIf still plans as an ordinary user' -ForEach ($changing | Where-Object Kind -eq 'sim') {
        $h = Use-RowHost $Kind
        $null = [VirtTools.Testing.SimulatedUser]::Install(1000, 0, 'alice')
        $e = @(Enable-VfioDevice $W::FreeNic -WhatIf 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $e | Should -BeNullOrEmpty
        $h.Kernel.Writes | Should -BeNullOrEmpty
    }

    It 'root passes the check (capabilities, not the name, decide)' {
        $h = Use-RowHost sim
        $null = [VirtTools.Testing.SimulatedUser]::Install(0, [VirtTools.Testing.SimulatedUser]::RootCapabilities, 'root')
        Enable-VfioDevice $W::FreeNic -Confirm:$false
        $h.Kernel.DriverOf($W::FreeNic) | Should -Be 'vfio-pci'
    }

    It 'a recorded root that is not / is not checked: its files decide' {
        $root = New-ConfigRoot sles15sp6
        [VirtTools.Testing.SimulatedUser]::WriteStatus($root, 1000, 0, 'alice')
        $null = Use-ConfigRoot $root @{ 'grub2-mkconfig -o /boot/grub2/grub.cfg' = 0 }
        Set-VHSKernelParameter intel_iommu on -Confirm:$false -WarningAction SilentlyContinue
        Get-RootFile $root /etc/default/grub | Should -Match 'intel_iommu=on'
    }

    It 'Get-PciDevice reads as an ordinary user and says once that config space is cut to 64 bytes' {
        $null = Use-RowHost sim
        $null = [VirtTools.Testing.SimulatedUser]::Install(65534, 0, 'nobody')
        $d = @(Get-PciDevice -WarningVariable warn 3>$null)
        $d.Count | Should -BeGreaterThan 5
        @($warn | Where-Object { "$_" -like '*first 64 bytes*' }).Count | Should -Be 1
        "$($warn[0])" | Should -BeLike 'Running as uid 65534 (nobody), not root*'
        (Get-PciDevice $W::FreeNic 3>$null).VendorId | Should -Be '8086'
    }
}

Describe 'Nobody at the keyboard' {
    BeforeAll {
        $high = @(Get-Command -Module VirtTools | Where-Object { (Get-ConfirmImpact $_.Name) -eq 'High' }).Name | Sort-Object
        $script = Join-Path $PSScriptRoot Support/Unattended.ps1
        function Invoke-Table([string] $Confirm) {
            $r = Invoke-Child -Command (Get-PwshCommand) -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $script, '-AsChild', '-Confirm', $Confirm) -TimeoutSeconds 240
            $r.ExitCode | Should -Be 0 -Because $r.Error
            ($r.Output.Trim() -split "`n")[-1] | ConvertFrom-Json
        }
        function Invoke-NoHost([string] $Confirm, [string] $Progress = 'Continue') {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("`$ProgressPreference = '$Progress'; & '$script' -Confirm $Confirm")
                $rows = $ps.Invoke()
                [pscustomobject]@{ Rows = $rows; Progress = $ps.Streams.Progress.Count; Errors = $ps.Streams.Error }
            }
            finally { $ps.Dispose() }
        }
    }
    AfterEach { [VirtTools.Testing.SimulatedKernel]::Uninstall() }

    It 'the table covers every High-impact cmdlet' {
        $rows = & $script -Confirm none
        @($rows.Name | Sort-Object) | Should -Be $high
    }

    It 'pwsh -NonInteractive: each High-impact cmdlet without -Confirm:$false fails at once with ConfirmationRequired' {
        $rows = Invoke-Table ask
        foreach ($r in $rows) {
            @($r.ErrorIds) | Should -Be @("ConfirmationRequired,VirtTools.Commands.$($r.Name -replace '-', '')Command") -Because $r.Name
            $r.Messages[0] | Should -BeLike '*cannot answer a prompt*-Confirm:$false*' -Because $r.Name
            $r.Seconds | Should -BeLessThan 20 -Because "$($r.Name) must not wait"
        }
    }

    It 'pwsh -NonInteractive: with -Confirm:$false nothing prompts and nothing fails' {
        foreach ($r in Invoke-Table none) { @($r.ErrorIds) | Should -BeNullOrEmpty -Because "$($r.Name): $($r.Messages)" }
    }

    It 'a runspace without a host: ConfirmationRequired without -Confirm:$false, nothing with it' {
        $asked = Invoke-NoHost ask
        $asked.Rows.Count | Should -Be $high.Count
        foreach ($r in $asked.Rows) { @($r.ErrorIds) | Should -Be @("ConfirmationRequired,VirtTools.Commands.$($r.Name -replace '-', '')Command") }
        $told = Invoke-NoHost none
        foreach ($r in $told.Rows) { @($r.ErrorIds) | Should -BeNullOrEmpty -Because "$($r.Name): $($r.Messages)" }
        $told.Errors | Should -BeNullOrEmpty
    }

    It 'progress honours $ProgressPreference' {
        (Invoke-NoHost none Continue).Progress | Should -BeGreaterThan 0
        (Invoke-NoHost none SilentlyContinue).Progress | Should -Be 0
    }

    It 'every changing cmdlet''s page says how it runs unattended and without root' {
        foreach ($c in Get-Command -Module VirtTools | Where-Object { $_.Parameters.ContainsKey('WhatIf') }) {
            $page = Get-Content -Raw (Join-Path $repo "docs/$($c.Name).md")
            $page | Should -Match 'Unattended and non-root runs:' -Because $c.Name
            $page | Should -Match 'ConfirmationRequired' -Because $c.Name
        }
    }

    It 'nothing in the module writes to the host UI or the console itself' {
        $files = Get-ChildItem (Join-Path $repo src/VirtTools), (Join-Path $repo src/VirtTools.Core) -Recurse -Filter *.cs |
            Where-Object FullName -notmatch '[\\/](obj|bin)[\\/]'
        $files.Count | Should -BeGreaterThan 100
        $direct = $files | Select-String -Pattern 'Console\s*\.\s*(Write|Out|Error|In\b|Read|Beep|Clear|Set|Cursor|Key)', '\bHost\s*\.\s*UI\b', '\.RawUI\b',
            'PSHostUserInterface', 'Write-Host', 'PromptForChoice', 'PromptForCredential', 'ReadLine\s*\('
        @($direct | ForEach-Object { "$($_.Path):$($_.LineNumber): $($_.Line.Trim())" }) | Should -BeNullOrEmpty
    }
}
