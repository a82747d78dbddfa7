# Guest benchmarks on libvirt's test driver (no daemon), figures side by side with virsh (not a test).
# Wall and CPU (user + system) of each side; the median of -Rounds (at least 5 for a figure to report):
#   1. 200 New-VMGuest in one pipeline vs 200 `define --validate` in one virsh session   (goal: <= 1.2x)
#   2. Get-VMGuest <name> among 1,000 guests vs `virsh dominfo <name>`                  (goal: <= 1.2x)
#   3. Get-VMGuest of all 1,000 guests (every property) vs `virsh list --all`            (goal: <= 0.6x)
#   4. connecting alone, both sides (the floor of 2 and 3; no goal)
#   4a. the connected session: Get-VMGuest <name> after Connect-VHSLibvirt (the connection kept open, so no
#       connect and no file parse per command) vs `virsh dominfo <name>`                (goal of 2: <= 1.2x)
#   4b. the connected session: Get-VMGuest of all 1,000 vs `virsh list --all`           (goal of 3: <= 0.6x)
# With -Daemon (root; a private libvirtd from tests/libvirt/lab.sh with 1,000 defined guests), where a listing
# waits for round trips instead of a file parse:
#   5. reading every guest on one open connection: each guest's own state, autostart and persistence calls
#      vs the bulk facts Get-VMGuest uses (GuestListFacts); no goal
#   6. Get-VMGuest of all (every property) vs `virsh list --all` (one state call a guest); no goal
#   6a. the same after Connect-VHSLibvirt (the connected session); no goal
# Usage: pwsh -NoProfile -File bench/guests.ps1 [-Rounds 5] [-Daemon]
# virsh runs as its own process (as an admin would run it), its CPU measured by /usr/bin/time; the cmdlets
# run in this warm session, their CPU is this process's. The test driver runs inside the client on both
# sides, so both CPU figures include libvirt's own work (parsing the driver file, the schema check).
param([int]$Rounds = 5, [switch]$Daemon)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot ../VirtTools.psd1)
$work = Join-Path ([IO.Path]::GetTempPath()) ('vt-bench-' + [guid]::NewGuid().ToString('n'))
$null = New-Item -ItemType Directory $work
$self = [Diagnostics.Process]::GetCurrentProcess()
function Median([double[]]$x) { $s = $x | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
# (wall ms, CPU ms) of a script block in this process.
function Ours([scriptblock]$s) {
    $self.Refresh(); $cpu = $self.TotalProcessorTime
    $w = [Diagnostics.Stopwatch]::StartNew(); $null = & $s; $w.Stop()
    $self.Refresh()
    , @($w.Elapsed.TotalMilliseconds, ($self.TotalProcessorTime - $cpu).TotalMilliseconds)
}
# (wall ms, CPU ms) of one virsh process.
function Virsh([string[]]$a) {
    $t = Join-Path $work 'time.txt'
    $w = [Diagnostics.Stopwatch]::StartNew()
    /usr/bin/time -f '%U %S' -o $t virsh -q @a > $null
    $w.Stop()
    if ($LASTEXITCODE -ne 0) { throw "virsh $($a -join ' ') failed" }
    $u, $s = (Get-Content $t | Select-Object -Last 1) -split ' '
    , @($w.Elapsed.TotalMilliseconds, (([double]$u + [double]$s) * 1000))
}
function Report([string]$what, [string]$ref, $ours, $theirs, [double]$goal) {
    $ow = Median ($ours | ForEach-Object { $_[0] }); $oc = Median ($ours | ForEach-Object { $_[1] })
    $tw = Median ($theirs | ForEach-Object { $_[0] }); $tc = Median ($theirs | ForEach-Object { $_[1] })
    # Below 10 ms (the connected session's rows) whole milliseconds and two-digit ratios would read 0.
    $ms = { param($x) if ($x -lt 10) { '{0,8:0.0}' -f $x } else { '{0,8:0}' -f $x } }
    $x = { param($r) if ($r -lt 0.1) { '{0,8:0.000}' -f $r } else { '{0,8:0.00}' -f $r } }
    '{0,-50} {1} ms wall {2} ms cpu' -f $what, (& $ms $ow), (& $ms $oc)
    '{0,-50} {1} ms wall {2} ms cpu' -f $ref, (& $ms $tw), (& $ms $tc)
    '{0,-50} {1}x wall {2}x cpu ({3})' -f 'ratio', (& $x ($ow / $tw)), (& $x ($oc / $tc)), $(if ($goal) { "goal <= ${goal}x" } else { 'no goal' })
    ''
}
function DaemonRows {
    $lab = Join-Path $work lab
    $harness = Join-Path $PSScriptRoot ../tests/libvirt/lab.sh
    $out = bash $harness start $lab a
    if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed ($LASTEXITCODE): $out" }
    try {
        $D = ($out | Where-Object { $_ -like 'LAB_A_URI=*' }) -replace '^LAB_A_URI='
        $defs = foreach ($i in 1..1000) {
            $f = Join-Path $work "d$i.xml"
            [IO.File]::WriteAllText($f, $xml.Replace('<name>template</name>', "<name>d$i</name>"))
            "define $f"
        }
        $defs -join "`n" | /usr/bin/virsh -q -c $D > $null   # the program, not the function Virsh above
        foreach ($i in 1..10) { /usr/bin/virsh -q -c $D autostart "d$i" > $null }
        $c = [VirtTools.Libvirt.LibvirtConnector]::Open($D)
        $GR = [VirtTools.Guests.GuestReader]; $GF = [VirtTools.Guests.GuestListFacts]
        $per = { $l = $c.ListDomains(); foreach ($d in $l) { $null = $GR::Read($d, $D); $d.Dispose() } }
        $bulk = { $l = $c.ListDomains(); $f = $GF::Read($c, $l); foreach ($d in $l) { $null = $GR::Read($d, $D, $f); $d.Dispose() } }
        $null = & $per; $null = & $bulk
        $pm = @(); $bm = @(); $g = @(); $v = @()
        foreach ($r in 1..$Rounds) {
            $pm += , (Ours $per)
            $bm += , (Ours $bulk)
            $g += , (Ours { Get-VMGuest -ConnectionUri $D })
            $v += , (Virsh '-c', $D, 'list', '--all')
        }
        $c.Dispose()
        Report 'daemon: read 1,000 guests, bulk facts' 'daemon: read 1,000 guests, own calls each' $bm $pm 0
        Report 'daemon: Get-VMGuest, all 1,000 guests' 'daemon: virsh list --all, 1,000 guests' $g $v 0
        $null = Connect-VHSLibvirt $D
        try {
            $null = Get-VMGuest -ConnectionUri $D
            $g = @(); $v = @()
            foreach ($r in 1..$Rounds) {
                $g += , (Ours { Get-VMGuest -ConnectionUri $D })
                $v += , (Virsh '-c', $D, 'list', '--all')
            }
        }
        finally { Disconnect-VHSLibvirt $D }
        Report 'daemon, connected session: Get-VMGuest, all' 'daemon: virsh list --all, 1,000 guests' $g $v 0
    }
    finally { bash $harness stop $lab > $null }
}
try {
    'medians of {0} rounds; load average before: {1}' -f $Rounds, (Get-Content /proc/loadavg)
    $U = 'test:///default'
    $xml = New-VMGuest template -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 128MB -ProcessorCount 1 -Network default -XmlOnly
    # --- 1. define 200
    $files = foreach ($i in 1..200) {
        $f = Join-Path $work "g$i.xml"
        [IO.File]::WriteAllText($f, $xml.Replace('<name>template</name>', "<name>g$i</name>"))
        $f
    }
    $virshCmds = ($files | ForEach-Object { "define --validate $_" }) -join '; '
    $ours = @(); $theirs = @()
    foreach ($r in 1..$Rounds) {
        $keep = [VirtTools.Libvirt.LibvirtConnector]::Open($U)   # the test driver's state lives while a connection is open
        $objs = 1..200 | ForEach-Object { [pscustomobject]@{ Name = "g$_" } }
        $ours += , (Ours { $objs | New-VMGuest -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 128MB -ProcessorCount 1 -Network default })
        if ((Get-VMGuest g* -ConnectionUri $U).Count -ne 200) { throw 'New-VMGuest did not define 200 guests' }
        $keep.Dispose()
        $theirs += , (Virsh '-c', $U, $virshCmds)
    }
    Report '200 x New-VMGuest, one pipeline' '200 x define --validate, one virsh session' $ours $theirs 1.2

    # --- 2 and 3. a test-driver file with 1,000 guests, opened by both sides on each call
    $node = Join-Path $work 'node1000.xml'
    $sb = [Text.StringBuilder]::new('<node>')
    foreach ($i in 1..1000) { $null = $sb.Append($xml.Replace('<name>template</name>', "<name>l$i</name>")) }
    $null = $sb.Append('<network><name>default</name><bridge name="virbr0"/></network></node>')
    [IO.File]::WriteAllText($node, $sb.ToString())
    $U2 = "test://$node"
    $n = (Get-VMGuest -ConnectionUri $U2).Count
    if ($n -ne 1000) { throw "expected 1000 guests, got $n" }
    if ((Get-VMGuest l500 -ConnectionUri $U2).Name -ne 'l500') { throw 'Get-VMGuest l500 did not find it' }
    $ours = @(); $theirs = @()
    foreach ($r in 1..$Rounds) {
        $ours += , (Ours { Get-VMGuest l500 -ConnectionUri $U2 })
        $theirs += , (Virsh '-c', $U2, 'dominfo', 'l500')
    }
    Report 'Get-VMGuest l500, 1,000 guests' 'virsh dominfo l500, 1,000 guests' $ours $theirs 1.2
    $ours = @(); $theirs = @()
    foreach ($r in 1..$Rounds) {
        $ours += , (Ours { Get-VMGuest -ConnectionUri $U2 })
        $theirs += , (Virsh '-c', $U2, 'list', '--all')
    }
    Report 'Get-VMGuest, all 1,000 guests' 'virsh list --all, 1,000 guests' $ours $theirs 0.6
    # The floor under rows 2 and 3: connecting alone (the test driver parses the 1,000-guest file), no guest read.
    $ours = @(); $theirs = @()
    foreach ($r in 1..$Rounds) {
        $ours += , (Ours { [VirtTools.Libvirt.LibvirtConnector]::Open($U2).Dispose() })
        $theirs += , (Virsh '-c', $U2, 'uri')
    }
    Report 'connect and close only (not a goal)' 'virsh uri (connect and close only)' $ours $theirs 0
    'Both sides parse the 1,000-guest driver file when they connect (the last row: most of every figure above); Get-VMGuest also reads each guest''s XML.'
    ''
    # 4a and 4b: the connection kept by Connect-VHSLibvirt (opened and the file parsed once, here), every
    # Get-VMGuest leasing it; virsh still connects in each of its processes, as an admin's virsh commands do.
    $null = Connect-VHSLibvirt $U2
    try {
        if ((Get-VMGuest -ConnectionUri $U2).Count -ne 1000) { throw 'the connected session does not see 1,000 guests' }
        $ours = @(); $theirs = @()
        foreach ($r in 1..$Rounds) {
            $ours += , (Ours { Get-VMGuest l500 -ConnectionUri $U2 })
            $theirs += , (Virsh '-c', $U2, 'dominfo', 'l500')
        }
        Report 'connected session: Get-VMGuest l500' 'virsh dominfo l500, 1,000 guests' $ours $theirs 1.2
        $ours = @(); $theirs = @()
        foreach ($r in 1..$Rounds) {
            $ours += , (Ours { Get-VMGuest -ConnectionUri $U2 })
            $theirs += , (Virsh '-c', $U2, 'list', '--all')
        }
        Report 'connected session: Get-VMGuest, all 1,000' 'virsh list --all, 1,000 guests' $ours $theirs 0.6
    }
    finally { Disconnect-VHSLibvirt $U2 }
    if ($Daemon) { DaemonRows }
    'load average after: {0}; {1} cores' -f (Get-Content /proc/loadavg), [Environment]::ProcessorCount
}
finally { Remove-Item -Recurse -Force $work }
