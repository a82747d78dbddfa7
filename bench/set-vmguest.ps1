# Set-VMGuest benchmark on libvirt's test driver (no daemon), figures side by side with virsh (not a test):
#   Set-VMGuest -MemoryBytes on 100 defined guests (one pipeline) vs 100 `setmem --config` in one virsh
#   session (goal: <= 2x virsh).
# Usage: pwsh -NoProfile -File bench/set-vmguest.ps1 [-Rounds 5]
# The test driver's state is per process, so virsh defines the same 100 guests in its session first. virsh's
# figure is the sum of its own per-command timings (virsh -t) of the 100 setmem; the wall time of a session
# with defines and setmems minus one with the defines alone is printed too (noisy: the setmems are tiny).
param([int]$Rounds = 5)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot ../VirtTools.psd1)
$work = Join-Path ([IO.Path]::GetTempPath()) ('vt-bench-set-' + [guid]::NewGuid().ToString('n'))
$null = New-Item -ItemType Directory $work
function Median([double[]]$x) { $s = $x | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
$U = 'test:///default'
$keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)   # the test driver's state lives while a connection is open
try {
    $xml = New-VMGuest template -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 256MB -ProcessorCount 1 -XmlOnly
    $files = foreach ($i in 1..100) {
        $f = Join-Path $work "s$i.xml"
        [IO.File]::WriteAllText($f, $xml.Replace('<name>template</name>', "<name>s$i</name>"))
        $keep.DefineDomain([IO.File]::ReadAllText($f), 'None').Dispose()
        $f
    }
    $defines = ($files | ForEach-Object { "define $_" }) -join '; '
    $ours = @(); $defineOnly = @(); $withSetmem = @(); $virshCalls = @()
    foreach ($r in 1..$Rounds) {
        $mib = 128 + $r   # a new value each round, so every call changes something
        $ours += (Measure-Command { Set-VMGuest s* -ConnectionUri $U -MemoryBytes ($mib * 1MB) }).TotalMilliseconds
        $set = @(Get-VMGuest s* -ConnectionUri $U | Where-Object MemoryBytes -eq ($mib * 1MB)).Count
        if ($set -ne 100) { throw "Set-VMGuest changed $set guests, not 100" }
        $setmems = (1..100 | ForEach-Object { "setmem s$_ $($mib * 1024) --config" }) -join '; '
        $defineOnly += (Measure-Command { virsh -q -c $U $defines > $null }).TotalMilliseconds
        if ($LASTEXITCODE -ne 0) { throw 'virsh define failed' }
        $withSetmem += (Measure-Command { virsh -q -c $U "$defines; $setmems" > $null }).TotalMilliseconds
        if ($LASTEXITCODE -ne 0) { throw 'virsh setmem failed' }
        $times = @(virsh -t -q -c $U "$defines; $setmems" | Select-String '^\(Time: ([0-9.]+) ms\)' | ForEach-Object { [double]$_.Matches[0].Groups[1].Value })
        if ($times.Count -ne 200) { throw "expected 200 virsh timings, got $($times.Count)" }
        $virshCalls += ($times[100..199] | Measure-Object -Sum).Sum
    }
    # The same 100 guests in a test-driver file that both sides open (each connection gets its own copy,
    # running guests): whole invocations, connection included, changing the definitions only on both sides.
    $node = Join-Path $work 'node100.xml'
    [IO.File]::WriteAllText($node, '<node>' + (($files | ForEach-Object { [IO.File]::ReadAllText($_) }) -join '') + '</node>')
    $U2 = "test://$node"
    $fileOurs = @(); $fileVirsh = @()
    foreach ($r in 1..$Rounds) {
        $mib = 128 + $r
        $setmems = (1..100 | ForEach-Object { "setmem s$_ $($mib * 1024) --config" }) -join '; '
        $fileOurs += (Measure-Command { Set-VMGuest s* -ConnectionUri $U2 -MemoryBytes ($mib * 1MB) -Persistent -WarningAction SilentlyContinue }).TotalMilliseconds
        $fileVirsh += (Measure-Command { virsh -q -c $U2 $setmems > $null }).TotalMilliseconds
        if ($LASTEXITCODE -ne 0) { throw 'virsh setmem on the file failed' }
    }
    $a = Median $ours; $b = Median $virshCalls; $diff = (Median $withSetmem) - (Median $defineOnly)
    '{0,-62} {1,8:0.0} ms' -f '100 x Set-VMGuest -MemoryBytes, one pipeline (median)', $a
    '{0,-62} {1,8:0.0} ms' -f '100 x setmem --config, one virsh session (virsh -t, median)', $b
    '{0,-62} {1,8:0.0} ms' -f '  virsh wall time: defines+setmems minus defines (median)', $diff
    '{0,-62} {1,8:0.00}x (goal <= 2x)' -f 'ratio to virsh wall time', ($a / $diff)
    '{0,-62} {1,8:0.00}x (goal <= 2x)' -f 'ratio to virsh -t (time inside its 100 calls only)', ($a / $b)
    '{0,-62} {1,8:0.0} ms' -f '100 guests in a file: Set-VMGuest s* -Persistent (median)', (Median $fileOurs)
    '{0,-62} {1,8:0.0} ms' -f '100 guests in a file: one virsh process, 100 setmem --config', (Median $fileVirsh)
    '{0,-62} {1,8:0.00}x (goal <= 2x)' -f 'ratio, whole invocations', ((Median $fileOurs) / (Median $fileVirsh))
    'The test driver changes memory in process in microseconds: what either side spends is its own overhead.'
}
finally {
    foreach ($i in 1..100) { $d = $keep.FindDomain("s$i"); if ($d) { $d.Undefine('None'); $d.Dispose() } }
    $keep.Dispose()
    Remove-Item -Recurse -Force $work
}
