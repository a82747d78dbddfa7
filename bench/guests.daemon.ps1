# Get-VMGuest of all guests on a real libvirtd (a private lab daemon, tests/libvirt/lab.sh; root), figures side by
# side with `virsh list --all` (not a test). Where bench/guests.ps1's test driver spends its time parsing its
# file, a daemon answers calls: what a listing waits for is the round trips, one per call.
#   1. the reads of every guest, in this session on one open connection: each guest's own state, autostart and
#      persistence calls (GuestReader.Read alone) vs the bulk facts Get-VMGuest uses (GuestListFacts)
#   2. Get-VMGuest (connects, lists, reads every property) vs `virsh list --all` (connects, lists, one state call a guest)
# Usage: pwsh -NoProfile -File bench/guests.daemon.ps1 [-Rounds 5] [-Guests 1000]
# Wall and CPU (user + system) medians; virsh's CPU from /usr/bin/time, the cmdlets' from this process. The
# daemon's own CPU is in neither figure.
param([int]$Rounds = 5, [int]$Guests = 1000)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot ../VirtTools.psd1)
$lab = Join-Path ([IO.Path]::GetTempPath()) ('vt-bench-lab-' + [guid]::NewGuid().ToString('n'))
$harness = Join-Path $PSScriptRoot ../tests/libvirt/lab.sh
$self = [Diagnostics.Process]::GetCurrentProcess()
function Median([double[]]$x) { $s = $x | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
function Ours([scriptblock]$s) {
    $self.Refresh(); $cpu = $self.TotalProcessorTime
    $w = [Diagnostics.Stopwatch]::StartNew(); $null = & $s; $w.Stop()
    $self.Refresh()
    , @($w.Elapsed.TotalMilliseconds, ($self.TotalProcessorTime - $cpu).TotalMilliseconds)
}
function Row([string]$what, $m) {
    '{0,-50} {1,8:0} ms wall {2,8:0} ms cpu' -f $what, (Median ($m | ForEach-Object { $_[0] })), (Median ($m | ForEach-Object { $_[1] }))
}
$out = bash $harness start $lab a
if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed ($LASTEXITCODE): $out" }
try {
    $U = ($out | Where-Object { $_ -like 'LAB_A_URI=*' }) -replace '^LAB_A_URI='
    $xml = New-VMGuest template -ConnectionUri test:///default -Hypervisor QEMU -MemoryBytes 128MB -ProcessorCount 1 -Network default -XmlOnly
    $files = foreach ($i in 1..$Guests) {
        $f = Join-Path $lab "d$i.xml"
        [IO.File]::WriteAllText($f, $xml.Replace('<name>template</name>', "<name>d$i</name>"))
        $f
    }
    ($files | ForEach-Object { "define $_" }) -join "`n" | virsh -q -c $U > $null
    foreach ($i in 1..[math]::Min(10, $Guests)) { virsh -q -c $U autostart "d$i" > $null }
    $c = [VirtTools.Libvirt.LibvirtConnector]::Open($U)
    'guests: {0}; medians of {1} rounds; load average before: {2}' -f $c.ListDomains().Count, $Rounds, (Get-Content /proc/loadavg)
    $GR = [VirtTools.Guests.GuestReader]; $GF = [VirtTools.Guests.GuestListFacts]
    $per = { $l = $c.ListDomains(); foreach ($d in $l) { $null = $GR::Read($d, $U); $d.Dispose() } }
    $bulk = { $l = $c.ListDomains(); $f = $GF::Read($c, $l); foreach ($d in $l) { $null = $GR::Read($d, $U, $f); $d.Dispose() } }
    $null = & $per; $null = & $bulk
    $a = @(); $b = @(); $g = @(); $v = @()
    foreach ($r in 1..$Rounds) {
        $a += , (Ours $per)
        $b += , (Ours $bulk)
        $g += , (Ours { Get-VMGuest -ConnectionUri $U })
        $t = Join-Path $lab 'time.txt'
        $w = [Diagnostics.Stopwatch]::StartNew()
        /usr/bin/time -f '%U %S' -o $t virsh -q -c $U list --all > $null
        $w.Stop()
        $us, $sy = (Get-Content $t | Select-Object -Last 1) -split ' '
        $v += , @($w.Elapsed.TotalMilliseconds, (([double]$us + [double]$sy) * 1000))
    }
    $c.Dispose()
    Row 'read every guest: own calls (3 a guest + its XML)' $a
    Row 'read every guest: bulk facts (3 in all + XML each)' $b
    ''
    Row 'Get-VMGuest, every property' $g
    Row 'virsh list --all' $v
    'load average after: {0}; {1} cores' -f (Get-Content /proc/loadavg), [Environment]::ProcessorCount
}
finally { bash $harness stop $lab > $null }
