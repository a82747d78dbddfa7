# The two things people install: the module as a PowerShell Gallery package (out/VirtTools.<v>.nupkg)
# and the self-contained shell (out/virttools-<v>-linux-x64.tar.gz). Both are built here by the same
# command a user runs without pwsh (dotnet build build/VirtTools.Package.csproj -t:Package), then
# installed and run as a user would: through PSResourceGet from out/ registered as a local repository
# (never the real Gallery), and from the unpacked tarball on a host that has no .NET.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $script:savedRepo = $env:VIRTTOOLS_REPO
    $script:repo = Use-TestRepository
    $script:out = Join-Path $repo 'out'
    $script:version = (Import-PowerShellDataFile (Join-Path $repo VirtTools.psd1)).ModuleVersion
    $script:nupkg = Join-Path $out "VirtTools.$version.nupkg"
    $script:tarball = Join-Path $out "virttools-$version-linux-x64.tar.gz"
    # A recorded ThinkPad: 23 PCI functions, the integrated GPU at 0000:00:02.0 on i915.
    $script:machine = [VirtTools.Testing.Fixtures]::Root('ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz')
    $script:work = New-TestFolder 'vt-dist'

    # Without ReadyToRun: precompiling the engine takes minutes that a test run cannot spend, and
    # changes how fast the shell starts, not what is in the packages or how they install.
    $build = Invoke-Child -Command dotnet -ArgumentList @('build', (Join-Path $repo build/VirtTools.Package.csproj), '-t:Package',
        '-p:VirtToolsReadyToRun=false', '-nologo', '-v:m') `
        -WorkingDirectory $repo -TimeoutSeconds 1200
    if ($build.ExitCode -ne 0) { throw "packaging failed:`n$($build.Output)`n$($build.Error)" }

    # pwsh with a home of its own: PSResourceGet's repository list, the CurrentUser module path
    # and every cache live under it, so the user's own pwsh is never touched.
    function script:New-IsolatedEnvironment([string] $Name) {
        $home_ = Join-Path $work $Name
        # They must exist: .NET answers an empty path for a special folder that does not, and
        # PSResourceGet then writes its repository list relative to the working directory.
        foreach ($d in '.local/share', '.config', '.cache') { $null = New-Item -ItemType Directory -Force -Path (Join-Path $home_ $d) }
        @{
            HOME = $home_; XDG_DATA_HOME = "$home_/.local/share"; XDG_CONFIG_HOME = "$home_/.config"; XDG_CACHE_HOME = "$home_/.cache"
            PSModulePath = $null; VIRTTOOLS_ROOT = $machine; VIRTTOOLS_MODULE = $null
            POWERSHELL_TELEMETRY_OPTOUT = '1'; POWERSHELL_UPDATECHECK = 'Off'
        }
    }
}

AfterAll {
    $env:VIRTTOOLS_REPO = $script:savedRepo
    if ($script:work -and (Test-Path $script:work)) { Remove-Item -Recurse -Force $script:work }
}

Describe 'VirtTools.<version>.nupkg' {
    It 'holds the module at the package root: manifest, format file, bin/ and en-US/' {
        $nupkg | Should -Exist
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try { $names = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        foreach ($f in 'VirtTools.nuspec', 'VirtTools.psd1', 'VirtTools.Format.ps1xml', 'bin/VirtTools.dll', 'bin/VirtTools.Core.dll',
            'en-US/VirtTools.dll-Help.xml', 'en-US/about_VirtTools.help.txt') {
            $names | Should -Contain $f
        }
        # Nothing of a library package: no lib/, no build output, no test assemblies.
        $names | Where-Object { $_ -like 'lib/*' -or $_ -like '*Test*' } | Should -BeNullOrEmpty
    }

    It 'carries the nuspec that PSResourceGet writes for the same module folder' {
        # Compress-PSResource is PSResourceGet's own packer (what Publish-PSResource uploads).
        $env_ = New-IsolatedEnvironment 'compress'
        $dest = Join-Path $work 'compressed'
        $null = New-Item -ItemType Directory -Path $dest
        $r = Invoke-Child -Command (Get-PwshCommand) -Environment $env_ -WorkingDirectory $env_.HOME -ArgumentList @('-NoProfile', '-NonInteractive', '-Command',
            "`$ErrorActionPreference = 'Stop'; Compress-PSResource -Path '$out/stage/VirtTools' -DestinationPath '$dest'")
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $theirs = Get-ChildItem $dest -Filter *.nupkg | Select-Object -First 1
        $theirs.Name | Should -BeExactly (Split-Path -Leaf $nupkg)

        $read = {
            param($path)
            $zip = [IO.Compression.ZipFile]::OpenRead($path)
            try {
                $entry = $zip.Entries | Where-Object FullName -eq 'VirtTools.nuspec'
                $reader = [IO.StreamReader]::new($entry.Open())
                try { [xml]$reader.ReadToEnd() } finally { $reader.Dispose() }
            }
            finally { $zip.Dispose() }
        }
        $ours = (& $read $nupkg).package.metadata
        $ref = (& $read $theirs.FullName).package.metadata
        $pairs = { param($m) @($m.ChildNodes | ForEach-Object { "$($_.LocalName)=$($_.InnerText)" }) }
        (& $pairs $ours) | Should -Be (& $pairs $ref)
        $ours.tags | Should -Match '^PSModule '
    }

    It 'installs with Install-PSResource from out/ as a local repository and imports by name elsewhere' {
        $env_ = New-IsolatedEnvironment 'install'
        $install = Join-Path $work 'install.ps1'
        Set-Content -Path $install -Value @'
param($Repository)
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name VirtToolsOut -Uri $Repository -Trusted
Install-PSResource -Name VirtTools -Repository VirtToolsOut -Scope CurrentUser -TrustRepository -Quiet
(Get-InstalledPSResource -Name VirtTools).InstalledLocation
'@
        $r = Invoke-Child -Command (Get-PwshCommand) -Environment $env_ -WorkingDirectory $env_.HOME -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $install, $out)
        $r.ExitCode | Should -Be 0 -Because "$($r.Output)$($r.Error)"
        Join-Path $env_.XDG_DATA_HOME 'PSResourceGet/PSResourceRepository.xml' | Should -Exist
        $modules = Join-Path $env_.XDG_DATA_HOME 'powershell/Modules'
        Join-Path $modules "VirtTools/$version/VirtTools.psd1" | Should -Exist
        Join-Path $modules "VirtTools/$version/bin/VirtTools.dll" | Should -Exist

        # Another folder, a new pwsh, the module by name only.
        $elsewhere = Join-Path $work 'elsewhere'
        $null = New-Item -ItemType Directory -Path $elsewhere
        $use = Join-Path $work 'use.ps1'
        Set-Content -Path $use -Value @'
$ErrorActionPreference = 'Stop'
Import-Module VirtTools
$m = Get-Module VirtTools
"base=$($m.ModuleBase)"
"version=$($m.Version)"
"synopsis=$((Get-Help Get-PciDevice).Synopsis)"
"about=$(@(Get-Help about_VirtTools).Count)"
Get-PciDevice 0000:00:02.0 | Format-Table | Out-String -Width 80
'@
        $r = Invoke-Child -Command (Get-PwshCommand) -Environment $env_ -WorkingDirectory $elsewhere -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $use)
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Error | Should -BeNullOrEmpty
        $lines = $r.Output -split "`n" | ForEach-Object TrimEnd
        $lines | Should -Contain "base=$(Join-Path $modules "VirtTools/$version")"
        $lines | Should -Contain "version=$version"
        $doc = Get-Content (Join-Path $repo docs/Get-PciDevice.md)
        $synopsis = $doc[([array]::IndexOf($doc, '## SYNOPSIS') + 1)..($doc.Count - 1)] | Where-Object { $_.Trim() } | Select-Object -First 1
        $lines | Should -Contain "synopsis=$synopsis"
        $lines | Should -Contain 'about=1'
        $lines | Where-Object { $_ -match '^Address\s+Class\s+Ids\s+Name' } | Should -Not -BeNullOrEmpty
        $lines | Where-Object { $_ -match '^0000:00:02\.0\s.*\bi915\b' } | Should -Not -BeNullOrEmpty
    }
}

Describe 'virttools-<version>-linux-x64.tar.gz' {
    BeforeAll {
        $script:unpacked = Join-Path $work 'tarball'
        $null = New-Item -ItemType Directory -Path $unpacked
        tar -xzf $tarball -C $unpacked
        if ($LASTEXITCODE -ne 0) { throw "tar could not unpack $tarball" }
        $script:shellDir = Join-Path $unpacked "virttools-$version-linux-x64"
    }

    It 'unpacks into one folder with the virttools command, its own .NET runtime and the module' {
        @(Get-ChildItem $unpacked).Name | Should -Be @("virttools-$version-linux-x64")
        Join-Path $shellDir virttools | Should -Exist
        (Get-Item (Join-Path $shellDir virttools)).UnixFileMode.HasFlag([IO.UnixFileMode]::UserExecute) | Should -BeTrue
        Join-Path $shellDir libcoreclr.so | Should -Exist
        Join-Path $shellDir Modules/VirtTools/VirtTools.psd1 | Should -Exist
        Join-Path $shellDir Modules/Microsoft.PowerShell.Utility/Microsoft.PowerShell.Utility.psd1 | Should -Exist
        Join-Path $shellDir runtimes/win | Should -Not -Exist
        # Self-contained: the runtime config names the runtime it carries, not a framework to find.
        $config = Get-Content (Join-Path $shellDir VirtTools.Shell.runtimeconfig.json) -Raw | ConvertFrom-Json
        $config.runtimeOptions.PSObject.Properties.Name | Should -Contain 'includedFrameworks'
        $config.runtimeOptions.PSObject.Properties.Name | Should -Not -Contain 'framework'
    }

    It 'runs Get-PciDevice | Format-Table with no .NET and no pwsh on the host' {
        $emptyPath = Join-Path $work 'empty-path'
        $null = New-Item -ItemType Directory -Path $emptyPath
        $env_ = New-IsolatedEnvironment 'tarball-home'
        $env_.PATH = $emptyPath
        $env_.DOTNET_ROOT = $null
        $env_.DOTNET_ROOT_X64 = $null
        $shell = Join-Path $shellDir virttools
        $script_ = 'Get-PciDevice | Format-Table'
        $canHide = [Environment]::UserName -eq 'root' -and (Test-Path /usr/bin/unshare)
        $canHide | Should -BeTrue -Because 'the test hides .NET with a mount namespace, which needs root and unshare(1)'
        # A private mount namespace with empty folders laid over every .NET install and the
        # user's dotnet tools (pwsh among them): the shell can only use what it carries.
        $hide = 'for d in /usr/share/dotnet /usr/lib/dotnet /usr/local/share/dotnet /opt/dotnet "$HOME_REAL/.dotnet"; do [ -d "$d" ] && /bin/mount -t tmpfs none "$d"; done; ' +
            'if [ -e /usr/share/dotnet/dotnet ] || [ -e /usr/lib/dotnet/dotnet ]; then echo "dotnet still visible" >&2; exit 90; fi; exec "$0" "$@"'
        $env_.HOME_REAL = [Environment]::GetFolderPath('UserProfile')
        $r = Invoke-Child -Command @('/usr/bin/unshare', '-m', '/bin/sh', '-c', $hide, $shell) -Environment $env_ -ArgumentList @('-NoProfile', '-Command', $script_)
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Error | Should -BeNullOrEmpty
        $lines = $r.Output -split "`n" | ForEach-Object TrimEnd
        $lines | Where-Object { $_ -match '^Address\s+Class\s+Ids\s+Name\s+Driver' } | Should -HaveCount 1
        $lines | Where-Object { $_ -match '^0000:00:02\.0\s.*\bi915\b' } | Should -HaveCount 1
        @($lines | Where-Object { $_ -match '^0000:' }).Count | Should -Be @(Get-ChildItem (Join-Path $machine sys/bus/pci/devices)).Count
        $r.Output | Should -Not -Match "`e"
    }
}
