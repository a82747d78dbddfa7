# What people install: the module as a PowerShell Gallery package (out/VirtTools.<v>.nupkg), the
# automation-account zip (out/VirtTools-<v>.zip), the self-contained shell for linux-x64 and linux-arm64
# (out/virttools-<v>-<rid>.tar.gz) and the RPMs (out/virttools-<v>-1.<arch>.rpm). All are built here by
# the same command a user runs without pwsh (dotnet build build/VirtTools.Package.csproj -t:Package),
# then installed and run as a user would: through PSResourceGet from out/ registered as a local
# repository (never the real Gallery), from the unpacked tarball on a host that has no .NET, by rpm into
# an empty root, and the aarch64 shell under qemu-user.
BeforeAll {
    . (Join-Path $PSScriptRoot Support/Child.ps1)
    $script:savedRepo = $env:VIRTTOOLS_REPO
    $script:repo = Use-TestRepository
    $script:out = Join-Path $repo 'out'
    $script:version = (Import-PowerShellDataFile (Join-Path $repo VirtTools.psd1)).ModuleVersion
    $script:nupkg = Join-Path $out "VirtTools.$version.nupkg"
    $script:zip = Join-Path $out "VirtTools-$version.zip"
    $script:rpms = @{ x86_64 = (Join-Path $out "virttools-$version-1.x86_64.rpm"); aarch64 = (Join-Path $out "virttools-$version-1.aarch64.rpm") }
    # A recorded ThinkPad: 23 PCI functions, the integrated GPU at 0000:00:02.0 on i915.
    $script:machine = [VirtTools.Testing.Fixtures]::Root('ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz')
    $script:work = New-TestFolder 'vt-dist'

    # Without ReadyToRun: precompiling the engine takes minutes that a test run cannot spend, and
    # changes how fast the shell starts, not what is in the packages or how they install.
    # Both architectures, the zip and both RPMs (measured times in README, Layout).
    $build = Invoke-Child -Command dotnet -ArgumentList @('build', (Join-Path $repo build/VirtTools.Package.csproj), '-t:Package',
        '-p:VirtToolsReadyToRun=false', '-nologo', '-v:m') `
        -WorkingDirectory $repo -TimeoutSeconds 1200
    if ($build.ExitCode -ne 0) { throw "packaging failed:`n$($build.Output)`n$($build.Error)" }

    # Unpacks out/virttools-<version>-<runtime>.tar.gz into a folder of its own; returns the shell's folder.
    function script:Expand-Shell([string] $Runtime) {
        $into = Join-Path $work "tarball-$Runtime"
        $null = New-Item -ItemType Directory -Path $into
        tar -xzf (Join-Path $out "virttools-$version-$Runtime.tar.gz") -C $into
        if ($LASTEXITCODE -ne 0) { throw "tar could not unpack the $Runtime tarball" }
        Join-Path $into "virttools-$version-$Runtime"
    }

    # rpm's output lines; a failing rpm fails the test with its message.
    function script:Invoke-Rpm([string[]] $ArgumentList) {
        $r = Invoke-Child -Command rpm -ArgumentList $ArgumentList
        $r.ExitCode | Should -Be 0 -Because "rpm $($ArgumentList -join ' '): $($r.Error)"
        @($r.Output -split "`n" | Where-Object { $_ })
    }

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
        $script:shellDir = Expand-Shell linux-x64
        $script:unpacked = Split-Path $shellDir -Parent
    }

    It 'unpacks into one folder with the virttools command, its own .NET runtime and the module' {
        @(Get-ChildItem $unpacked).Name | Should -Be @("virttools-$version-linux-x64")
        Join-Path $shellDir virttools | Should -Exist
        (Get-Item (Join-Path $shellDir virttools)).UnixFileMode.HasFlag([IO.UnixFileMode]::UserExecute) | Should -BeTrue
        Join-Path $shellDir libcoreclr.so | Should -Exist
        Join-Path $shellDir Modules/VirtTools/VirtTools.psd1 | Should -Exist
        Join-Path $shellDir Modules/Microsoft.PowerShell.Utility/Microsoft.PowerShell.Utility.psd1 | Should -Exist
        # The prompt's line editor (Tab completion, history), with its BSD-2-Clause licence.
        Join-Path $shellDir Modules/PSReadLine/PSReadLine.psd1 | Should -Exist
        Join-Path $shellDir Modules/PSReadLine/License.txt | Should -Exist
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

Describe 'VirtTools-<version>.zip (automation account module)' {
    BeforeAll {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $z = [IO.Compression.ZipFile]::OpenRead($zip)
        try { $script:zipNames = @($z.Entries.FullName) } finally { $z.Dispose() }
    }

    It 'holds the module folder, named as the manifest, at its root and nothing else' {
        $zipNames | Should -Contain 'VirtTools/VirtTools.psd1'
        $zipNames | Should -Contain 'VirtTools/VirtTools.Format.ps1xml'
        $zipNames | Should -Contain 'VirtTools/bin/VirtTools.dll'
        $zipNames | Should -Contain 'VirtTools/en-US/VirtTools.dll-Help.xml'
        $zipNames | Where-Object { -not $_.StartsWith('VirtTools/') } | Should -BeNullOrEmpty
        $zipNames | Where-Object { $_ -like '*.nuspec' } | Should -BeNullOrEmpty
    }

    It 'fits the upload limits: under 100 MB, every path under 140 characters' {
        (Get-Item $zip).Length | Should -BeLessThan 100MB
        $zipNames | Where-Object { $_.Length -ge 140 } | Should -BeNullOrEmpty
    }

    It 'unpacks and imports by name in a fresh pwsh' {
        $modules = Join-Path $work 'zip-modules'
        Expand-Archive -Path $zip -DestinationPath $modules
        $env_ = New-IsolatedEnvironment 'zip'
        $env_.PSModulePath = $modules
        $r = Invoke-Child -Command (Get-PwshCommand) -Environment $env_ -WorkingDirectory $env_.HOME -ArgumentList @('-NoProfile', '-NonInteractive', '-Command',
            "`$ErrorActionPreference = 'Stop'; Import-Module VirtTools; (Get-Module VirtTools).ModuleBase; (Get-PciDevice 0000:00:02.0).Driver")
        $r.ExitCode | Should -Be 0 -Because $r.Error
        ($r.Output -split "`n" | ForEach-Object Trim | Where-Object { $_ }) | Should -Be @((Join-Path $modules VirtTools), 'i915')
    }
}

Describe 'virttools-<version>-1.<arch>.rpm' {
    BeforeAll {
        # What the packages require, by shared-object name so that SUSE's libopenssl3/libopenssl1_1,
        # libvirt-libs, glibc, libstdc++6 and libgcc_s1 satisfy them (build/virttools.spec says why).
        $script:requires = @('(libssl.so.3()(64bit) or libssl.so.1.1()(64bit))', 'libc.so.6()(64bit)', 'libgcc_s.so.1()(64bit)',
            'libstdc++.so.6()(64bit)', 'libvirt.so.0()(64bit)')
    }

    It '<_> is named, versioned and described as the manifest says' -ForEach @('x86_64', 'aarch64') {
        $info = Invoke-Rpm @('-qp', '--queryformat', '%{NAME}|%{VERSION}|%{RELEASE}|%{ARCH}|%{LICENSE}|%{URL}', $rpms[$_])
        $info | Should -Be "virttools|$version|1|$_|LicenseRef-VirtTools-AllRightsReserved AND MIT AND BSD-2-Clause|https://github.com/virttools/virttools"
        (Invoke-Rpm @('-qip', $rpms[$_])) -join "`n" | Should -Match 'Summary\s+: PowerShell cmdlets for KVM and Xen'
    }

    It '<_> requires what the runtime and the guest cmdlets load, and runs no scriptlets' -ForEach @('x86_64', 'aarch64') {
        $req = Invoke-Rpm @('-qp', '--requires', $rpms[$_]) | Where-Object { $_ -notlike 'rpmlib(*' }
        @($req | Sort-Object) | Should -Be @($requires | Sort-Object)
        Invoke-Rpm @('-qp', '--scripts', $rpms[$_]) | Should -BeNullOrEmpty
        # Nothing of the bundled runtime is offered to other packages.
        Invoke-Rpm @('-qp', '--provides', $rpms[$_]) | Where-Object { $_ -like '*.so*' } | Should -BeNullOrEmpty
    }

    It '<_> installs the shell under /opt/virttools, the command, the module for every pwsh, licence and docs' -ForEach @('x86_64', 'aarch64') {
        $files = Invoke-Rpm @('-qlp', $rpms[$_])
        foreach ($f in '/opt/virttools/virttools', '/opt/virttools/libcoreclr.so', '/opt/virttools/Modules/VirtTools/VirtTools.psd1',
            '/opt/virttools/Modules/VirtTools/bin/VirtTools.dll', '/usr/bin/virttools', '/usr/local/share/powershell/Modules/VirtTools',
            '/usr/share/licenses/virttools/dotnet-LICENSE.TXT', '/usr/share/doc/packages/virttools/README.md',
            '/opt/virttools/Modules/PSReadLine/PSReadLine.psd1', '/usr/share/licenses/virttools/PSReadLine-License.txt') {
            $files | Should -Contain $f
        }
        $files | Where-Object { $_ -notmatch '^(/opt/virttools(/|$)|/usr/bin/virttools$|/usr/local/share/powershell(/|$)|/usr/share/(doc/packages|licenses)/virttools(/|$))' } |
            Should -BeNullOrEmpty
        $files | Where-Object { $_ -like '*/runtimes/win*' } | Should -BeNullOrEmpty
    }

    It 'passes rpmlint with the project configuration (build/rpmlint.toml) without errors' {
        $r = Invoke-Child -Command rpmlint -ArgumentList @('-c', (Join-Path $repo build/rpmlint.toml), $rpms.x86_64, $rpms.aarch64)
        $r.Output | Should -Match '\b0 errors\b'
        $r.ExitCode | Should -Be 0 -Because $r.Output
    }

    It 'installs into an empty root, runs Get-PciDevice | Format-Table on a recorded machine, serves a later pwsh and erases cleanly' {
        $root = Join-Path $work 'rpm-root'
        $null = New-Item -ItemType Directory -Path $root
        $db = @('--root', $root, '--define', '_dbpath /usr/lib/sysimage/rpm')
        # Without --nodeps the empty root refuses: it has no glibc, OpenSSL or libvirt, which is the
        # Requires working. The install then goes on with --nodeps: the test host's libraries serve.
        $refused = Invoke-Child -Command rpm -ArgumentList ($db + @('-i', $rpms.x86_64))
        $refused.ExitCode | Should -Not -Be 0
        $refused.Error | Should -Match 'libvirt\.so\.0\(\)\(64bit\) is needed by virttools'
        $null = Invoke-Rpm ($db + @('-i', '--nodeps', $rpms.x86_64))
        Invoke-Rpm ($db + @('-q', 'virttools')) | Should -Be "virttools-$version-1.x86_64"

        $env_ = New-IsolatedEnvironment 'rpm-home'
        $r = Invoke-Child -Command (Join-Path $root usr/bin/virttools) -Environment $env_ -ArgumentList @('-NoProfile', '-Command', 'Get-PciDevice | Format-Table')
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Error | Should -BeNullOrEmpty
        $lines = $r.Output -split "`n" | ForEach-Object TrimEnd
        $lines | Where-Object { $_ -match '^Address\s+Class\s+Ids\s+Name\s+Driver' } | Should -HaveCount 1
        $lines | Where-Object { $_ -match '^0000:00:02\.0\s.*\bi915\b' } | Should -HaveCount 1

        # A pwsh installed later finds the module by name on its all-users path.
        $env_.PSModulePath = Join-Path $root usr/local/share/powershell/Modules
        $r = Invoke-Child -Command (Get-PwshCommand) -Environment $env_ -ArgumentList @('-NoProfile', '-NonInteractive', '-Command',
            "`$ErrorActionPreference = 'Stop'; Import-Module VirtTools; (Get-Module VirtTools).Version.ToString(); (Get-PciDevice 0000:00:02.0).Driver")
        $r.ExitCode | Should -Be 0 -Because $r.Error
        ($r.Output -split "`n" | ForEach-Object Trim | Where-Object { $_ }) | Should -Be @($version, 'i915')

        $null = Invoke-Rpm ($db + @('-e', 'virttools'))
        # Left: the database and the parent folders rpm made for the files (a real system's
        # filesystem package owns those); not one file or folder of the package.
        $left = @(Get-ChildItem -Recurse -Force $root | Where-Object FullName -notlike "$root/usr/lib/sysimage/rpm*" |
                ForEach-Object { $_.FullName.Substring($root.Length) })
        $left | Where-Object { -not (Test-Path -PathType Container (Join-Path $root $_)) } | Should -BeNullOrEmpty
        $left | Where-Object { $_ -match 'virttools|powershell' } | Should -BeNullOrEmpty
    }
}

Describe 'linux-arm64: tarball and aarch64 RPM' {
    BeforeAll {
        $script:arm64Shell = Expand-Shell linux-arm64
        # e_machine of an ELF file (offset 18, little-endian): 62 x86-64, 183 AArch64; $null if not ELF.
        function script:Get-ElfMachine([string] $Path) {
            $b = [byte[]]::new(20)
            $f = [IO.File]::OpenRead($Path)
            try { $n = $f.Read($b, 0, 20) } finally { $f.Dispose() }
            if ($n -lt 20 -or $b[0] -ne 0x7f -or $b[1] -ne 0x45 -or $b[2] -ne 0x4c -or $b[3] -ne 0x46) { return $null }
            [int]$b[18] + 256 * [int]$b[19]
        }
    }

    It 'carries only AArch64 native code and names the linux-arm64 runtime' {
        $native = @(Get-ChildItem -Recurse -File $arm64Shell | Where-Object { $null -ne (Get-ElfMachine $_.FullName) })
        $native.Name | Should -Contain 'virttools'
        $native.Name | Should -Contain 'libcoreclr.so'
        $native.Name | Should -Contain 'libpsl-native.so'
        $native | Where-Object { (Get-ElfMachine $_.FullName) -ne 183 } | ForEach-Object Name | Should -BeNullOrEmpty
        $deps = Get-Content (Join-Path $arm64Shell VirtTools.Shell.deps.json) -Raw | ConvertFrom-Json
        $deps.runtimeTarget.name | Should -Be '.NETCoreApp,Version=v10.0/linux-arm64'
        # The x86-64 tarball has x86-64 code only: the check tells them apart.
        Get-ElfMachine (Join-Path $shellDir libcoreclr.so) | Should -Be 62
    }

    It 'packs the same files in the aarch64 RPM as the tarball' {
        $inRpm = @(Invoke-Rpm @('-qlp', $rpms.aarch64) | Where-Object { $_ -like '/opt/virttools/*' } |
                Where-Object { -not (Test-Path -PathType Container (Join-Path $arm64Shell $_.Substring('/opt/virttools/'.Length))) } |
                ForEach-Object { $_.Substring('/opt/virttools/'.Length) } | Sort-Object)
        $inTarball = @(Get-ChildItem -Recurse -File $arm64Shell | ForEach-Object { $_.FullName.Substring($arm64Shell.Length + 1) } |
                Where-Object { $_ -notlike 'runtimes/unix/lib/net10.0/Modules/*' } | Sort-Object)
        $inRpm | Should -Be $inTarball
    }

    It 'gives the same Get-VHSCapability and Get-PciDevice objects as x86-64 under qemu-user on recorded aarch64 hosts' {
        $qemu = Get-Command qemu-aarch64-static -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        $qemu | Should -Not -BeNullOrEmpty -Because 'the check runs the aarch64 shell under qemu-user (apt-get install qemu-user-static)'
        $prep = Invoke-Child -Command bash -ArgumentList @((Join-Path $repo tests/arm64/prepare-sysroot.sh)) -TimeoutSeconds 600
        $prep.ExitCode | Should -Be 0 -Because $prep.Error
        $sysroot = ($prep.Output -split "`n" | Where-Object { $_ -like 'SYSROOT=*' } | Select-Object -Last 1).Substring(8)
        $probe = 'Get-VHSCapability | ConvertTo-Json -Depth 4 -Compress; Get-PciDevice | ConvertTo-Json -Depth 4 -Compress'
        # Graviton2 (EC2, 4 PCI functions), a 128-core HiSilicon (iommu.passthrough=1 on its command line)
        # and an NVIDIA DGX GB10 (iommu.passthrough=0).
        foreach ($host_ in 'ghw/linux-arm64-c288e0776090cd558ef793b2a4e61939.tar.gz', 'hwloc/128arm-2pa2n8cluster4co.tar.bz2',
            'hwloc/nvidia-dgx-gb10.tar.bz2') {
            $env_ = New-IsolatedEnvironment ('qemu-' + [IO.Path]::GetFileName($host_).Substring(0, 8))
            $env_.VIRTTOOLS_ROOT = [VirtTools.Testing.Fixtures]::Root($host_)
            $x64 = Invoke-Child -Command (Join-Path $shellDir virttools) -Environment $env_ -ArgumentList @('-NoProfile', '-Command', $probe)
            $x64.ExitCode | Should -Be 0 -Because $x64.Error
            # .NET 10's write-xor-execute mapping dies under qemu-user 7.2 (a FailFast in exception
            # dispatch, measured); it is a hardening switch, not a behaviour of the cmdlets.
            $env_.DOTNET_EnableWriteXorExecute = '0'
            $arm = Invoke-Child -Command @($qemu.Source, '-L', $sysroot, (Join-Path $arm64Shell virttools)) -Environment $env_ `
                -ArgumentList @('-NoProfile', '-Command', $probe) -TimeoutSeconds 900
            $arm.ExitCode | Should -Be 0 -Because $arm.Error
            $arm.Error | Should -Be $x64.Error
            $arm.Output | Should -BeExactly $x64.Output
            $arm.Output | Should -Match '"Architecture":"aarch64"'
            # Graviton's PCI functions were read (an open with x86-64's O_DIRECTORY value failed on them).
            if ($host_ -like 'ghw/*') { $arm.Output | Should -Match '"Address":"0000:00:04\.0"' }
        }
    }
}
