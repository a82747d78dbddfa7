# Guest benchmarks on libvirt's test driver (no daemon), figures side by side with virsh (not a test):
#   1. 200 New-VMGuest in one pipeline vs 200 `define` in one virsh invocation   (goal: <= 2x virsh)
#   2. Get-VMGuest of 1,000 guests vs `virsh list --all`                          (goal: <= 1x virsh)
# Usage: pwsh -NoProfile -File bench/guests.ps1 [-Rounds 5]
# virsh runs as its own process (as an admin would run it); the cmdlets run in this warm session.
param([int]$Rounds = 5)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot ../VirtTools.psd1)
$work = Join-Path ([IO.Path]::GetTempPath()) ('vt-bench-' + [guid]::NewGuid().ToString('n'))
$null = New-Item -ItemType Directory $work
function Median([double[]]$x) { $s = $x | Sort-Object; $s[[int][math]::Floor($s.Count / 2)] }
try {
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
        $ours += (Measure-Command {
                $objs | New-VMGuest -ConnectionUri $U -Hypervisor QEMU -MemoryBytes 128MB -ProcessorCount 1 -Network default
            }).TotalMilliseconds
        if ((Get-VMGuest g* -ConnectionUri $U).Count -ne 200) { throw 'New-VMGuest did not define 200 guests' }
        $keep.Dispose()
        $theirs += (Measure-Command { virsh -q -c $U $virshCmds > $null }).TotalMilliseconds
        if ($LASTEXITCODE -ne 0) { throw 'virsh define failed' }
    }
    $a = Median $ours; $b = Median $theirs
    '{0,-58} {1,8:0} ms' -f '200 x New-VMGuest, one pipeline (median)', $a
    '{0,-58} {1,8:0} ms' -f '200 x define --validate, one virsh invocation (median)', $b
    '{0,-58} {1,8:0.00}x (goal <= 2x)' -f 'ratio', ($a / $b)

    # --- 2. list 1,000: a test-driver file with 1,000 guests, opened by both sides
    $node = Join-Path $work 'node1000.xml'
    $sb = [Text.StringBuilder]::new('<node>')
    foreach ($i in 1..1000) { $null = $sb.Append($xml.Replace('<name>template</name>', "<name>l$i</name>")) }
    $null = $sb.Append('<network><name>default</name><bridge name="virbr0"/></network></node>')
    [IO.File]::WriteAllText($node, $sb.ToString())
    $U2 = "test://$node"
    $n = (Get-VMGuest -ConnectionUri $U2).Count
    if ($n -ne 1000) { throw "expected 1000 guests, got $n" }
    $ours = @(); $theirs = @()
    foreach ($r in 1..$Rounds) {
        $ours += (Measure-Command { $null = Get-VMGuest -ConnectionUri $U2 }).TotalMilliseconds
        $theirs += (Measure-Command { virsh -q -c $U2 list --all > $null }).TotalMilliseconds
    }
    $a = Median $ours; $b = Median $theirs
    '{0,-58} {1,8:0} ms' -f 'Get-VMGuest, 1,000 guests (median)', $a
    '{0,-58} {1,8:0} ms' -f 'virsh list --all, 1,000 guests (median)', $b
    '{0,-58} {1,8:0.00}x (goal <= 1x)' -f 'ratio', ($a / $b)
    'Both sides parse the 1,000-guest driver file when they connect; Get-VMGuest also reads each guest''s XML.'
}
finally { Remove-Item -Recurse -Force $work }
