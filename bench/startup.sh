#!/usr/bin/env bash
# Start-up figures, side by side in one run, wall and CPU (user + system) of whole processes, the median
# of N runs each (runs interleaved, so load changes hit every row alike), not a test:
#   on the pinned pwsh (.config/dotnet-tools.json; its own start is not precompiled):
#     pwsh -NoProfile -Command exit                                        (bare start, for scale)
#     pwsh -NoProfile -Command 'Get-Date | Out-Null'                       (PowerShell's own first answer
#                                                                            from a binary module: autoloads
#                                                                            Microsoft.PowerShell.Utility)
#     pwsh -NoProfile -Command 'Import-Module <repo>/VirtTools.psd1; Get-VHSCapability'      (goal <= 0.9x
#                                                                            of Get-Date, wall and CPU)
#     the same with the packaged module (out/stage/VirtTools, ReadyToRun) when it is built
#   the self-contained shell (out/virttools-<v>-linux-x64.tar.gz, when it is built):
#     virttools -NoProfile -Command exit  vs  virttools -NoProfile -Command Get-VHSCapability   (goal <= 1.05x)
#     and, for scale, PowerShell's own Get-Date written as text on both (information)
#     and the tarball's size, packed and unpacked
# Build the packages first for the last rows (dotnet build build/VirtTools.Package.csproj -t:Package
# -p:VirtToolsRuntimes=linux-x64). Usage: bash bench/startup.sh [runs]   (at least 5; default 7;
# VIRTTOOLS_ROOT picks the host root, / by default). Output goes to /dev/null on every row, so each
# VirtTools row includes formatting its answer as text, which Get-Date | Out-Null does not. The rows
# marked "info" send the answer to Out-Null instead: not a goal, they show what the text costs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-7}"
version=$(sed -n "s/^ *ModuleVersion *= *'\([^']*\)'.*/\1/p" VirtTools.psd1)
tarball="out/virttools-$version-linux-x64.tar.gz"
stage="out/stage/VirtTools/VirtTools.psd1"
pwsh_version=$(sed -n '/"powershell"/,/}/s/.*"version": *"\([^"]*\)".*/\1/p' .config/dotnet-tools.json)
pwsh_dll="${NUGET_PACKAGES:-$HOME/.nuget/packages}/powershell/$pwsh_version/tools/net10.0/any/unix/pwsh.dll"
[ -f "$pwsh_dll" ] || { echo "no pinned pwsh at $pwsh_dll: run dotnet tool restore" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
pwsh=(dotnet "$pwsh_dll" -NoProfile -Command)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -a names=() cmds=()
row() { names+=("$1"); cmds+=("$2"); }
q() { printf '%q ' "$@"; }
row "pwsh -Command exit" "$(q "${pwsh[@]}" exit)"
row "pwsh: Get-Date | Out-Null" "$(q "${pwsh[@]}" 'Get-Date | Out-Null')"
# PowerShell's own answer as text: the first text output of a process waits for the formatting data
# pwsh loads at start, which no "| Out-Null" row pays. Not a goal: the scale for the VirtTools rows.
row "info pwsh: Get-Date (as text)" "$(q "${pwsh[@]}" 'Get-Date')"
row "pwsh: Import-Module (repo bin/); Get-VHSCapability" "$(q "${pwsh[@]}" "Import-Module '$PWD/VirtTools.psd1'; Get-VHSCapability")"
[ -f "$stage" ] && row "pwsh: Import-Module (package, R2R); Get-VHSCapability" "$(q "${pwsh[@]}" "Import-Module '$PWD/$stage'; Get-VHSCapability")"
[ -f "$stage" ] && row "info pwsh: Import-Module (package); Get-VHSCapability | Out-Null" "$(q "${pwsh[@]}" "Import-Module '$PWD/$stage'; Get-VHSCapability | Out-Null")"
if [ -f "$tarball" ]; then
    tar -xzf "$tarball" -C "$work"
    shell="$work/virttools-$version-linux-x64/virttools"
    row "virttools -Command exit" "$(q "$shell" -NoProfile -Command exit)"
    row "virttools -Command Get-VHSCapability" "$(q "$shell" -NoProfile -Command Get-VHSCapability)"
    row "info virttools -Command Get-Date" "$(q "$shell" -NoProfile -Command Get-Date)"
    row "info virttools -Command 'Get-VHSCapability | Out-Null'" "$(q "$shell" -NoProfile -Command 'Get-VHSCapability | Out-Null')"
fi

# One run each first, so every row reads its files from the page cache, as every later start does.
for i in "${!cmds[@]}"; do eval "${cmds[$i]}" >/dev/null 2>&1 || true; done
for r in $(seq "$runs"); do
    for i in "${!cmds[@]}"; do
        /usr/bin/time -f '%e %U %S' -o "$work/t" bash -c "${cmds[$i]} >/dev/null 2>&1"
        awk -v i="$i" '{ printf "%d %.0f %.0f\n", i, $1 * 1000, ($2 + $3) * 1000 }' "$work/t" >>"$work/all"
    done
done
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -a wall=() cpu=()
for i in "${!cmds[@]}"; do
    wall[i]=$(awk -v i="$i" '$1 == i { print $2 }' "$work/all" | median)
    cpu[i]=$(awk -v i="$i" '$1 == i { print $3 }' "$work/all" | median)
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
printf 'medians of %s runs; %s cores; load average %s\n' "$runs" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-66s %9s %9s\n' "" "wall ms" "cpu ms"
for i in "${!cmds[@]}"; do printf '%-66s %9s %9s\n' "${names[$i]}" "${wall[$i]}" "${cpu[$i]}"; done
shell_exit=
for i in "${!names[@]}"; do
    case "${names[$i]}" in
        "info pwsh: "*) printf '%-66s wall %s cpu %s (information)\n' "ratio ${names[$i]#info pwsh: } / Get-Date" \
            "$(ratio "${wall[$i]}" "${wall[1]}")" "$(ratio "${cpu[$i]}" "${cpu[1]}")" ;;
        *Import-Module*) printf '%-66s wall %s cpu %s (goal <= 0.9x)\n' "ratio ${names[$i]#pwsh: } / Get-Date" \
            "$(ratio "${wall[$i]}" "${wall[1]}")" "$(ratio "${cpu[$i]}" "${cpu[1]}")" ;;
        "virttools -Command exit") shell_exit=$i ;;
        "virttools -Command Get-VHSCapability") printf '%-66s wall %s cpu %s (goal <= 1.05x)\n' "ratio virttools Get-VHSCapability / exit" \
            "$(ratio "${wall[$i]}" "${wall[shell_exit]}")" "$(ratio "${cpu[$i]}" "${cpu[shell_exit]}")" ;;
        "info virttools "*) printf '%-66s wall %s cpu %s (information)\n' "ratio virttools ${names[$i]#info virttools -Command } / exit" \
            "$(ratio "${wall[$i]}" "${wall[shell_exit]}")" "$(ratio "${cpu[$i]}" "${cpu[shell_exit]}")" ;;
    esac
done
if [ -f "$tarball" ]; then
    printf 'tarball size (MB, packed / unpacked): %s / %s\n' "$(du -m "$tarball" | cut -f1)" "$(du -sm "$work/virttools-$version-linux-x64" | cut -f1)"
else
    echo "no $tarball: the virttools rows need dotnet build build/VirtTools.Package.csproj -t:Package -p:VirtToolsRuntimes=linux-x64"
fi
