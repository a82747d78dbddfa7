# Every table and list view at 80 and 200 columns, rendered by real pwsh: headers on one line,
# every column present, no line wider than the width. And a HostCapability view that does not
# capture the formatting of what follows it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot ../../VirtTools.psd1)
    Add-Type -Path (Join-Path $PSScriptRoot ../VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
    $script:savedRoot = $env:VIRTTOOLS_ROOT
    $script:savedRepo = $env:VIRTTOOLS_REPO
    $env:VIRTTOOLS_REPO = (Resolve-Path (Join-Path $PSScriptRoot ../..)).Path
    $script:laptop = [VirtTools.Testing.Fixtures]::Root('ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz')
    $env:VIRTTOOLS_ROOT = $script:laptop

    function Get-Rendered {
        param([object[]]$InputObject, [int]$Width, [switch]$List)
        $text = if ($List) { $InputObject | Format-List | Out-String -Width $Width } else { $InputObject | Out-String -Width $Width }
        # Views may colour headers; what counts is the text a terminal shows.
        @(($text -replace "`e\[[0-9;]*m", '') -split "`r?`n")
    }

    # The header of the first table: the labels line above the dashes line, which must be a single line.
    function Get-TableHeader {
        param([string[]]$Lines)
        $dash = [Array]::FindIndex($Lines, [Predicate[string]] { param($l) $l -match '^-+( +-+)*\s*$' })
        $dash | Should -BeGreaterThan 0 -Because 'a table has a dashes line under its header'
        if ($dash -ge 2) { $Lines[$dash - 2].Trim() | Should -BeNullOrEmpty -Because 'the header must not stack over several lines' }
        [pscustomobject]@{ Labels = @($Lines[$dash - 1].Trim() -split '\s+'); Dashes = @($Lines[$dash].Trim() -split '\s+').Count; Rows = $Lines[($dash + 1)..($Lines.Count - 1)] }
    }
}

AfterAll {
    $env:VIRTTOOLS_ROOT = $script:savedRoot
    $env:VIRTTOOLS_REPO = $script:savedRepo
}

Describe 'Table views at <Width> columns' -ForEach @(@{ Width = 80 }, @{ Width = 200 }) {
    It 'PciDevice: address, class, [vvvv:dddd], name, driver, group, all on one header line' {
        $lines = Get-Rendered (Get-PciDevice) $Width
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual $Width
        $h = Get-TableHeader $lines
        $h.Labels -join ' ' | Should -BeExactly 'Address Class Ids Name Driver Group'
        $h.Dashes | Should -Be 6
        $nvme = $h.Rows | Where-Object { $_ -like '0000:04:00.0*' }
        $nvme | Should -Match '\[144d:a80[0-9a-f]\]'
        $nvme | Should -Match ' 14\s*$'
        # Every class whole (" controller" dropped: the list view has it), Name and Driver not narrower than Class needs.
        $nvme | Should -Match '^0000:04:00\.0 Non-Volatile memory +\['
        $h.Rows | Where-Object { $_ -like '0000:00:04.0*' } | Should -Match ' Signal processing +\['
        $h.Rows | Where-Object { $_ -like '0000:00:08.0*' } | Should -Match ' System peripheral +\['
        $h.Rows | Where-Object { $_ -match '^\S+ [^\[]*… \[' } | Should -BeNullOrEmpty
    }

    It 'IommuGroup: group, type, isolated, ready, members, every member shown' {
        $lines = Get-Rendered (Get-IommuGroup -WarningAction SilentlyContinue) $Width
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual $Width
        $h = Get-TableHeader $lines
        $h.Labels -join ' ' | Should -BeExactly 'Group Type Isolated Ready Devices'
        ($lines -join "`n") | Should -Match '0000:00:1f\.5'
    }

    It 'RequirementCheck: name, status, detail and the remedy of what did not pass' {
        $lines = Get-Rendered (Test-VHSRequirement) $Width
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual $Width
        (Get-TableHeader $lines).Labels -join ' ' | Should -BeExactly 'Name Status Detail, Remedy'
    }

    It 'list views (PciDevice, IommuGroup, HostCapability, RequirementCheck) stay within the width' {
        foreach ($o in @((Get-PciDevice 0000:00:04.0), (Get-IommuGroup 13), (Get-VHSCapability), (Test-VHSRequirement IommuEnabled))) {
            $lines = Get-Rendered $o $Width -List
            ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual $Width -Because $o.GetType().Name
        }
    }
}

Describe 'Wide terminals' {
    It 'does not cut driver names at 200 columns' {
        $row = (Get-Rendered (Get-PciDevice 0000:00:1f.3) 200) | Where-Object { $_ -like '0000:00:1f.3*' }
        $row | Should -Match 'sof-audio-pci-intel-tgl'
        $row | Should -Not -Match '…'
    }
}

Describe 'Get-VHSCapability; Get-PciDevice in one command' {
    It 'renders the devices as a table after the capability, in a real pwsh writing to a file' {
        $exe = [Environment]::ProcessPath
        # pwsh installed as a dotnet tool runs as "dotnet pwsh.dll".
        $argv = [Collections.Generic.List[string]]::new()
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $argv.Add((Join-Path $PSHOME 'pwsh.dll')) }
        $out = Join-Path ([IO.Path]::GetTempPath()) ("vt-views-{0}.txt" -f [guid]::NewGuid().ToString('n'))
        $module = (Resolve-Path (Join-Path $PSScriptRoot ../../VirtTools.psd1)).Path
        try {
            $argv.AddRange([string[]]@('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$module'; Get-VHSCapability; Get-PciDevice"))
            & $exe $argv > $out 2>&1
            $lines = @(([IO.File]::ReadAllText($out) -replace "`e\[[0-9;]*m", '') -split "`r?`n")
            ($lines -join "`n") | Should -Match 'HardwareVirtualization'
            ($lines -join "`n") | Should -Not -Match 'SysfsPath\s*:'
            (Get-TableHeader $lines).Labels -join ' ' | Should -BeExactly 'Address Class Ids Name Driver Group'
            ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 80
        }
        finally { Remove-Item $out -ErrorAction SilentlyContinue }
    }
}
