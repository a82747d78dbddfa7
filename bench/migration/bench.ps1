# Called by run.sh: one pwsh session, the module imported once (as an admin's shell would be);
# virsh is a process per hop, as an admin runs it.
param([string]$Repo, [string]$A, [string]$B, [string]$MigDir, [string]$Guest, [int]$Rounds = 5)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module (Join-Path $Repo VirtTools.psd1)
$n = 0
function Sock { "unix://$MigDir/bench-$((++$script:n)).sock" }
function Time([scriptblock]$block) { $sw = [Diagnostics.Stopwatch]::StartNew(); & $block; $sw.Elapsed.TotalSeconds }
function Invoke-VirshMove($from, $to) {
    $out = & virsh -q -c $from migrate --live $Guest $to --migrateuri (Sock) 2>&1
    if ($LASTEXITCODE) { throw "virsh migrate: $out" }
}
# one warm-up hop each way with each tool (daemon caches, JIT)
Invoke-VirshMove $A $B; Move-VMGuest $Guest $A -ConnectionUri $B -MigrationUri (Sock) | Out-Null
$r = [ordered]@{ 'virsh A->B' = @(); 'virsh B->A' = @(); 'Move-VMGuest A->B' = @(); 'Move-VMGuest B->A' = @() }
for ($i = 0; $i -lt $Rounds; $i++) {
    $r['virsh A->B'] += Time { Invoke-VirshMove $A $B }
    $r['virsh B->A'] += Time { Invoke-VirshMove $B $A }
    $r['Move-VMGuest A->B'] += Time { Move-VMGuest $Guest $B -ConnectionUri $A -MigrationUri (Sock) | Out-Null }
    $r['Move-VMGuest B->A'] += Time { Move-VMGuest $Guest $A -ConnectionUri $B -MigrationUri (Sock) | Out-Null }
}
function Median($x) { $s = @($x | Sort-Object); if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }
$med = [ordered]@{}
foreach ($k in $r.Keys) {
    $med[$k] = Median $r[$k]
    '{0,-18} median {1,6:0.000} s   runs: {2}' -f $k, $med[$k], (($r[$k] | ForEach-Object { '{0:0.000}' -f $_ }) -join ' ')
}
$ratio = ($med['Move-VMGuest A->B'] + $med['Move-VMGuest B->A']) / ($med['virsh A->B'] + $med['virsh B->A'])
'Move-VMGuest / virsh (sum of the direction medians): {0:0.00}x (goal <= 1.10x)' -f $ratio
