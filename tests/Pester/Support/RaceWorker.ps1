# Child of Races.Tests.ps1: one of the processes that race on one shared simulated host. It imports the
# module once, opens the host tree the test built (SimulatedHosts.OpenWorkstation: its writes to sysfs run
# whole, as the kernel's do, whichever process makes them), prints "ready", then runs one command per line
# of stdin ({"Command": ..., "Delay": ms}) and answers each with one line of JSON: its pid, the errors the
# command gave (id and message), the rest of its output as strings, and when it started and ended.
param([string] $Root)
$ErrorActionPreference = 'Continue'
$WarningPreference = 'SilentlyContinue'
$ProgressPreference = 'SilentlyContinue'
$VerbosePreference = 'SilentlyContinue'
Import-Module (Join-Path $PSScriptRoot ../../../VirtTools.psd1)
Add-Type -Path (Join-Path $PSScriptRoot ../../VirtTools.TestSupport/bin/Debug/net8.0/VirtTools.TestSupport.dll)
$kernel = [VirtTools.Testing.SimulatedHosts]::OpenWorkstation($Root)
# The boot loader regeneration runs as a program: scripted to succeed.
$null = $kernel.Processes.Script('grub2-mkconfig -o /boot/grub2/grub.cfg', '')
$null = $kernel.Processes.Script('dracut -f', '')
# The SR-IOV PF's VF settings, shared with the other worker through the tree (Set-SriovVf).
$null = [VirtTools.Testing.SimulatedIpLink]::new($kernel).AddPf('0000:08:00.0', 'enp8s0f0').ShareAcrossProcesses()
$null = $kernel.Install()
$env:VIRTTOOLS_ROOT = $Root
$env:SSH_CONNECTION = $null
[Console]::Out.WriteLine('ready')
[Console]::Out.Flush()

while ($null -ne ($line = [Console]::In.ReadLine())) {
    $request = $line | ConvertFrom-Json
    if ($request.Delay -gt 0) { Start-Sleep -Milliseconds $request.Delay }
    $started = [DateTime]::UtcNow
    $records = try {
        @(& ([scriptblock]::Create($request.Command)) 2>&1)
    }
    catch { @($_) }
    $ended = [DateTime]::UtcNow
    $answer = [ordered]@{
        Pid = $PID
        Errors = @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } |
            ForEach-Object { [ordered]@{ Id = $_.FullyQualifiedErrorId; Message = $_.Exception.Message } })
        Output = @($records | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] } | ForEach-Object { "$_" })
        Started = $started.ToString('o')
        Ended = $ended.ToString('o')
        Seconds = ($ended - $started).TotalSeconds
    }
    [Console]::Out.WriteLine((ConvertTo-Json $answer -Compress -Depth 4))
    [Console]::Out.Flush()
}
