# A throwaway OpenSSH server for remoting tests: its own config, host key and authorized key in a
# folder under the temp folder, listening on 127.0.0.1 at a free port, with a PowerShell subsystem.
# Start-TestSshd returns an object with Process (stop it with Stop-TestSshd in AfterAll), Port and
# Log (sshd's own log file). Root login by key only; nothing of the machine's own sshd or ~/.ssh is read or written.

. (Join-Path $PSScriptRoot Child.ps1)

function Get-FreeTcpPort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# One client key pair for every server a test starts.
function New-TestSshClientKey([string] $Folder) {
    $key = Join-Path $Folder 'client_ed25519'
    & /usr/bin/ssh-keygen -q -t ed25519 -N '' -C 'virttools-test-client' -f $key
    if ($LASTEXITCODE -ne 0) { throw 'ssh-keygen could not make the client key' }
    $key
}

# ssh as pwsh runs it, but reading only the given config file: hosts get names there (vhs01 ->
# 127.0.0.1 port N) and host keys are neither checked nor remembered. Prepend the returned folder
# to PATH for the duration of the test.
function New-TestSshClient([string] $Folder, [string] $KeyFile, [hashtable] $Hosts) {
    $config = Join-Path $Folder 'ssh_config'
    $lines = foreach ($name in $Hosts.Keys) {
        "Host $name"
        "    HostName 127.0.0.1"
        "    Port $($Hosts[$name])"
    }
    $lines += @(
        'Host *'
        '    User root'
        "    IdentityFile $KeyFile"
        '    IdentitiesOnly yes'
        '    StrictHostKeyChecking no'
        '    UserKnownHostsFile /dev/null'
        '    GlobalKnownHostsFile /dev/null'
        '    LogLevel ERROR'
        '    BatchMode yes'
    )
    Set-Content -Path $config -Value $lines
    $bin = Join-Path $Folder 'bin'
    $null = New-Item -ItemType Directory -Force -Path $bin
    $ssh = Join-Path $bin 'ssh'
    Set-Content -Path $ssh -Value "#!/bin/sh`nexec /usr/bin/ssh -F '$config' `"`$@`""
    [IO.File]::SetUnixFileMode($ssh, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute, GroupRead, GroupExecute, OtherRead, OtherExecute')
    $bin
}

function Start-TestSshd {
    param(
        [Parameter(Mandatory)] [string] $Folder,
        [Parameter(Mandatory)] [string] $ClientKey,
        # The subsystem's command line, e.g. '/usr/bin/pwsh -sshs -NoLogo'.
        [Parameter(Mandatory)] [string] $Subsystem,
        # Environment for every session (sshd's SetEnv): VIRTTOOLS_ROOT, PSModulePath ...
        [hashtable] $Environment = @{}
    )
    $null = New-Item -ItemType Directory -Force -Path $Folder
    $hostKey = Join-Path $Folder 'host_ed25519'
    & /usr/bin/ssh-keygen -q -t ed25519 -N '' -f $hostKey
    if ($LASTEXITCODE -ne 0) { throw 'ssh-keygen could not make the host key' }
    $authorized = Join-Path $Folder 'authorized_keys'
    Copy-Item "$ClientKey.pub" $authorized
    # sshd refuses to start without its privilege separation directory (systemd makes it on boot).
    if (-not (Test-Path /run/sshd)) { $null = New-Item -ItemType Directory -Path /run/sshd }

    $port = Get-FreeTcpPort
    $setEnv = ($Environment.Keys | Sort-Object | ForEach-Object { '"{0}={1}"' -f $_, $Environment[$_] }) -join ' '
    $config = Join-Path $Folder 'sshd_config'
    $lines = @(
        "ListenAddress 127.0.0.1:$port"
        "HostKey $hostKey"
        "PidFile $(Join-Path $Folder 'sshd.pid')"
        "AuthorizedKeysFile $authorized"
        'PermitRootLogin prohibit-password'
        'PubkeyAuthentication yes'
        'PasswordAuthentication no'
        'KbdInteractiveAuthentication no'
        'UsePAM no'
        # The key files live under the world-writable temp folder.
        'StrictModes no'
        'PrintMotd no'
        "Subsystem powershell $Subsystem"
    )
    if ($setEnv) { $lines += "SetEnv $setEnv" }
    Set-Content -Path $config -Value $lines
    $log = Join-Path $Folder 'sshd.log'

    $psi = [Diagnostics.ProcessStartInfo]::new('/usr/sbin/sshd')
    foreach ($a in '-D', '-E', $log, '-f', $config) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($psi)
    $server = [pscustomobject]@{ Process = $process; Port = $port; Folder = $Folder; Log = $log }
    $logText = { if (Test-Path $log) { Get-Content -Raw $log } }

    # Ready when it accepts a connection.
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while ($true) {
        if ($process.HasExited) { throw "sshd exited at once ($($process.ExitCode)): $(& $logText)" }
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect([Net.IPAddress]::Loopback, $port); break }
        catch { if ([DateTime]::UtcNow -gt $deadline) { Stop-TestSshd $server; throw "sshd did not listen on $port`: $(& $logText)" } }
        finally { $client.Dispose() }
        Start-Sleep -Milliseconds 100
    }
    $server
}

function Stop-TestSshd($Server) {
    if ($null -eq $Server -or $null -eq $Server.Process) { return }
    try {
        if (-not $Server.Process.HasExited) {
            # The tree: a session still open has its own sshd and subsystem processes.
            $Server.Process.Kill($true)
            $null = $Server.Process.WaitForExit(10000)
        }
    }
    finally { $Server.Process.Dispose() }
}
