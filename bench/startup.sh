#!/usr/bin/env bash
# The self-contained shell beside pwsh: size of out/virttools-<v>-linux-x64.tar.gz (packed and
# unpacked) and the median wall time of N runs of one VirtTools command, from start to exit (the
# command prints at once, so that is start to first output):
#   virttools -NoProfile -Command Get-VHSCapability
#   pwsh -NoProfile -Command 'Import-Module <repo>/VirtTools.psd1; Get-VHSCapability'
# Build the tarball first (dotnet build build/VirtTools.Package.csproj -t:Package). Usage:
#   bash bench/startup.sh [runs]        (VIRTTOOLS_ROOT picks the host root, / by default)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-7}"
version=$(sed -n "s/^ *ModuleVersion *= *'\([^']*\)'.*/\1/p" VirtTools.psd1)
tarball="out/virttools-$version-linux-x64.tar.gz"
[ -f "$tarball" ] || { echo "no $tarball: build it with dotnet build build/VirtTools.Package.csproj -t:Package" >&2; exit 1; }
pwsh_cmd=$(command -v pwsh || true)
[ -n "$pwsh_cmd" ] || { echo "pwsh is not on PATH (dotnet tool restore / dotnet tool install PowerShell)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
shell="$work/virttools-$version-linux-x64/virttools"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
time_ms() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
}
measure() { for _ in $(seq "$runs"); do time_ms "$@"; done | median; }

# One run each first, so both read their files from the page cache, as every later start does.
time_ms "$shell" -NoProfile -Command Get-VHSCapability >/dev/null
time_ms "$pwsh_cmd" -NoProfile -Command "Import-Module '$PWD/VirtTools.psd1'; Get-VHSCapability" >/dev/null

vt=$(measure "$shell" -NoProfile -Command Get-VHSCapability)
ps=$(measure "$pwsh_cmd" -NoProfile -Command "Import-Module '$PWD/VirtTools.psd1'; Get-VHSCapability")
packed=$(du -m "$tarball" | cut -f1)
unpacked=$(du -sm "$work/virttools-$version-linux-x64" | cut -f1)

printf '%-46s %10s %12s\n' "" "virttools" "pwsh"
printf '%-46s %10s %12s\n' "size (MB, packed / unpacked)" "$packed / $unpacked" "(needs .NET)"
printf '%-46s %10s %12s\n' "Get-VHSCapability, median of $runs runs (ms)" "$vt" "$ps"
printf 'machine: %s cores, load %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
