#!/usr/bin/env bash
# Move-VMGuest against `virsh migrate --live` of the same running guest between the same two libvirt
# daemons (tests/libvirt/lab.sh), both unthrottled over a UNIX socket, interleaved, 5 round trips
# each; prints the medians per direction. Needs root, pwsh and a built module (dotnet build src/VirtTools).
#   bench/migration/run.sh [ROUNDS]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=${1:-5}
dir=$(mktemp -d /tmp/vt-bench-XXXXXX)
trap 'bash "$repo/tests/libvirt/lab.sh" stop "$dir"' EXIT
bash "$repo/tests/libvirt/lab.sh" start "$dir" ab > /dev/null || exit $?
# shellcheck disable=SC1091
. <(grep -v '^LAB_PIDS=' "$dir/env")
bash "$repo/tests/libvirt/lab.sh" guest-xml "$dir" vtbench "$dir/vtbench.console" 128 > "$dir/vtbench.xml"
virsh -q -c "$LAB_A_URI" create "$dir/vtbench.xml" > /dev/null || exit 1
for _ in $(seq 100); do grep -q '^tick 2 ' "$dir/vtbench.console" 2>/dev/null && break; sleep 0.2; done
pwsh=$(command -v pwsh || echo "$HOME/.dotnet/tools/pwsh")
"$pwsh" -NoProfile -File "$here/bench.ps1" -Repo "$repo" -A "$LAB_A_URI" -B "$LAB_B_URI" -MigDir "$LAB_MIG_DIR" -Guest vtbench -Rounds "$rounds"
rc=$?
# the guest must have kept running through all the hops
awk '/^tick/{ if (p && $2 != p + 1) { print "counter gap: " p " -> " $2; bad = 1 } p = $2 } END { exit bad }' "$dir/vtbench.console" || rc=1
exit $rc
