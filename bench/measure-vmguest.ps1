# Measure-VMGuest benchmark on the lab's real QEMU daemon (tests/libvirt/lab.sh), figures side by side with
# `virsh domstats` of the same guests (not a test):
#   8 running TCG counter guests; each round (median of -Rounds):
#   - Measure-VMGuest over every running guest, whole invocation, minus its -SampleInterval (1 s): the cost of
#     connecting and of its two bulk samples (virConnectGetAllDomainStats; the call count is proven in
#     GuestMonitorTests), vs a whole `virsh domstats --list-active` of the same groups (process, connection, one
#     sample); goal <= 1.5x;
#   - one bulk sample in process (the seam's GetDomainStats) vs virsh's own timing of the command (virsh -t).
# Needs root, libvirt-daemon-system, qemu-system-x86, qemu-utils. Usage: pwsh -NoProfile -File bench/measure-vmguest.ps1 [-Rounds 5] [-Guests 8]
param([int]$Rounds = 5, [int]$Guests = 8)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot ../VirtTools.psd1)
$harness = Join-Path $PSScriptRoot ../tests/libvirt/lab.sh
$W = Join-Path ([IO.Path]::GetTempPath()) ('vt-bench-measure-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
function Median([double[]]$x) { $s = $x | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
$null = bash (Join-Path $PSScriptRoot ../tests/qemu/prepare.sh)
if ($LASTEXITCODE -ne 0) { throw 'tests/qemu/prepare.sh failed' }
$out = bash $harness start $W a
if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed: $out" }
$U = ($out | Where-Object { $_ -like 'LAB_A_URI=*' }) -replace '^LAB_A_URI='
try {
    foreach ($i in 1..$Guests) {
        $xml = Join-Path $W "mb$i.xml"
        bash $harness guest-xml $W "mb$i" (Join-Path $W "mb$i.console") 96 | Set-Content $xml
        virsh -q -c $U define $xml > $null
        virsh -q -c $U start "mb$i" > $null
        if ($LASTEXITCODE -ne 0) { throw "guest mb$i did not start" }
    }
    $deadline = (Get-Date).AddSeconds(300)
    while (@(1..$Guests | Where-Object { -not (Select-String -Path (Join-Path $W "mb$_.console") -Pattern 'tick 2 ' -Quiet -ErrorAction SilentlyContinue) }).Count) {
        if ((Get-Date) -gt $deadline) { throw 'the guests did not boot in 300 s' }
        Start-Sleep 1
    }
    $groups = '--state', '--cpu-total', '--balloon', '--vcpu', '--interface', '--block'
    $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
    $ours = @(); $virsh = @(); $inproc = @(); $virshT = @()
    foreach ($r in 1..$Rounds) {
        $m = $null
        $ours += (Measure-Command { $m = @(Measure-VMGuest -ConnectionUri $U -SampleInterval 1) }).TotalMilliseconds - 1000
        if ($m.Count -ne $Guests) { throw "Measure-VMGuest measured $($m.Count) guests, not $Guests" }
        $v = $null
        $virsh += (Measure-Command { $v = virsh -q -c $U domstats --list-active @groups }).TotalMilliseconds
        if (@($v | Select-String '^Domain:').Count -ne $Guests) { throw 'virsh domstats did not list every guest' }
        $inproc += (Measure-Command { $s = $c.GetDomainStats([VirtTools.Monitoring.GuestMonitor]::Groups, 'Active', $null) }).TotalMilliseconds
        $virshT += [double]((virsh -t -q -c $U domstats --list-active @groups | Select-String '^\(Time: ([0-9.]+) ms\)').Matches[0].Groups[1].Value)
    }
    $c.Dispose()
    $mo = Median $ours; $mv = Median $virsh; $mi = Median $inproc; $mt = Median $virshT
    "Measure-VMGuest vs virsh domstats, $Guests running TCG guests, median of $Rounds"
    '{0,-52} {1,10} {2,10} {3,7}' -f 'what', 'ours ms', 'virsh ms', 'ratio'
    '{0,-52} {1,10:0.0} {2,10:0.0} {3,7:0.00}' -f 'whole command (ours minus its 1 s interval)', $mo, $mv, ($mo / $mv)
    '{0,-52} {1,10:0.00} {2,10:0.00} {3,7:0.00}' -f 'one bulk sample (in process / virsh -t)', $mi, $mt, ($mi / $mt)
}
finally { bash $harness stop $W > $null }
