# The module as a whole: manifest, exports, and one cmdlet end to end on a synthetic tree.
BeforeAll {
    $repoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot ../..))
    $manifestPath = Join-Path $repoRoot VirtTools.psd1
    $manifestAst = [System.Management.Automation.Language.Parser]::ParseFile($manifestPath, [ref]$null, [ref]$null)
    $manifest = $manifestAst.Find({ param($a) $a -is [System.Management.Automation.Language.HashtableAst] }, $false).SafeGetValue()

    # The cmdlets the built assembly implements, read from its [Cmdlet] attributes.
    $dll = Join-Path $repoRoot bin/VirtTools.dll
    $implemented = @([System.Reflection.Assembly]::LoadFrom($dll).GetExportedTypes() | ForEach-Object {
            $attribute = [System.Reflection.CustomAttributeExtensions]::GetCustomAttribute($_, [System.Management.Automation.CmdletAttribute])
            if ($null -ne $attribute) { '{0}-{1}' -f $attribute.VerbName, $attribute.NounName }
        })

    $savedRoot = $env:VIRTTOOLS_ROOT
    $module = Import-Module $manifestPath -Force -PassThru -ErrorAction Stop
}

AfterAll {
    $env:VIRTTOOLS_ROOT = $savedRoot
    Remove-Module VirtTools -Force -ErrorAction SilentlyContinue
}

Describe 'VirtTools module' {
    It 'imports from the manifest at the repository root' {
        $module | Should -Not -BeNullOrEmpty
        $module.Name | Should -Be 'VirtTools'
        $module.Version | Should -Be ([version]$manifest.ModuleVersion)
    }

    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
        (Test-ModuleManifest -Path $manifestPath).Guid | Should -Be ([guid]$manifest.GUID)
    }

    It 'exports exactly the manifest cmdlets that the assembly implements' {
        $expected = [string[]]@($manifest.CmdletsToExport | Where-Object { $_ -in $implemented })
        $exported = [string[]]@($module.ExportedCmdlets.Keys)
        [array]::Sort($expected, [System.StringComparer]::OrdinalIgnoreCase)
        [array]::Sort($exported, [System.StringComparer]::OrdinalIgnoreCase)
        $exported | Should -Be $expected
        $exported | Should -Contain 'Get-PciDevice'
    }

    It 'lists every implemented cmdlet in CmdletsToExport' {
        @($implemented | Where-Object { $_ -notin $manifest.CmdletsToExport }) | Should -BeNullOrEmpty
    }

    It 'exports no functions, variables or aliases' {
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
    }

    It '<Name> declares an output type' -ForEach @(
        @{ Name = 'Get-PciDevice' }
    ) {
        (Get-Command $Name -Module VirtTools).OutputType.Name | Should -Not -BeNullOrEmpty
    }
}

Describe 'Get-PciDevice on a synthetic tree' {
    BeforeAll {
        Add-Type -Path (Join-Path $PSScriptRoot ../VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
        # The tree's symlink cycles stay out of TestDrive, which Pester walks.
        $treeBase = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'vt-module-pester-' + [guid]::NewGuid().ToString('N'))
        $tree = [VirtTools.Testing.SysfsTreeBuilder]::new((Join-Path $treeBase host))
        # $null would reach a string parameter as an empty string; [NullString] stays null.
        $null = $tree.Pci('0000:00:1f.0', [NullString]::Value, '8086', 'a304', '060100', [NullString]::Value, 1)
        $null = $tree.Pci('0000:03:00.0', [NullString]::Value, '8086', '10d3', '020000', 'e1000e', 2)
        $env:VIRTTOOLS_ROOT = $tree.Root
    }

    AfterAll {
        if ([System.IO.Directory]::Exists($treeBase)) { [System.IO.Directory]::Delete($treeBase, $true) }
    }

    It 'outputs VirtTools.PciDevice objects' {
        $devices = @(Get-PciDevice)
        $devices | Should -HaveCount 2
        $devices | ForEach-Object { $_ | Should -BeOfType ([VirtTools.PciDevice]) }
    }

    It 'reads the ids and driver from the tree' {
        $nic = Get-PciDevice -Address 0000:03:00.0
        $nic.VendorId | Should -Be '8086'
        $nic.DeviceId | Should -Be '10d3'
        $nic.Driver | Should -Be 'e1000e'
    }

    It 'filters by wildcard address' {
        # Not @(...).Address: arrays have an Address() method of their own.
        Get-PciDevice -Address '*:1f.*' | ForEach-Object Address | Should -Be '0000:00:1f.0'
    }
}
