#!/bin/bash
# run-dom0.sh <command...>: boots the Xen lab (a Xen 4.17 hypervisor under QEMU's TCG with Debian's 6.1
# kernel as its PV Dom0, see README.md), runs <command> in Dom0 as root in the current directory, powers
# off and exits with the command's exit code. Same contract as tests/qemu/run-guest.sh:
# Exit 124: the hard timeout (VIRTTOOLS_XEN_TIMEOUT seconds, default 600) expired; QEMU is killed by pid.
# Exit 125: Dom0 never ran the command (boot failure; the console log is printed).
# Exit 3:   prerequisites missing (see prepare.sh).
# VIRTTOOLS_QEMU_PASSENV, VIRTTOOLS_QEMU_OUT and VIRTTOOLS_QEMU_KEEP work as in run-guest.sh; the command's
# output (stdout and stderr) is printed after the run.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -gt 0 ] || { echo "usage: $0 <command...>" >&2; exit 2; }

prep=$("$here/prepare.sh") || exit $?
get() { sed -n "s/^$1=//p" <<<"$prep"; }
xen=$(get XEN); kernel=$(get DOM0_KERNEL); moddir=$(get MODULES); initrd=$(get INITRD); xenroot=$(get XENROOT)

io=$(mktemp -d "${TMPDIR:-/tmp}/virttools-xen.XXXXXX")
case "$io$kernel$initrd" in *[[:space:],]*) echo "run-dom0.sh: blanks or commas in $io, $kernel or $initrd" >&2; exit 2 ;; esac
qpid=""
cleanup() {
    # Every way out (normal end, timeout, a signal to this script) stops this run's QEMU by its pid.
    if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
        kill "$qpid" 2>/dev/null; sleep 2; kill -9 "$qpid" 2>/dev/null
    fi
    if [ "${VIRTTOOLS_QEMU_KEEP:-0}" = 1 ]; then echo "run-dom0.sh: kept $io" >&2; else rm -rf "$io"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$io"

# What a Xen guest in Dom0 boots (the Dom0 kernel as a PV guest, with prepare.sh's guest initramfs): host
# paths, which Dom0 sees as they are (its root is the host's).
export VIRTTOOLS_XEN_GUEST_KERNEL=$kernel VIRTTOOLS_XEN_GUEST_INITRD
VIRTTOOLS_XEN_GUEST_INITRD=$(get GUEST_INITRD)
VIRTTOOLS_QEMU_PASSENV="${VIRTTOOLS_QEMU_PASSENV:-} VIRTTOOLS_XEN_GUEST_KERNEL VIRTTOOLS_XEN_GUEST_INITRD"
# shellcheck source=../qemu/guest-command.sh
. "$here/../qemu/guest-command.sh"
write_guest_command "$io/command.sh" "$@"

timeout=${VIRTTOOLS_XEN_TIMEOUT:-600}
mem=${VIRTTOOLS_XEN_MEMORY:-3072}
dom0_mem=${VIRTTOOLS_XEN_DOM0_MEMORY:-2048}
start=$(date +%s.%N)
# -cpu qemu64,+svm,vendor=GenuineIntel: Xen enables HVM on QEMU's emulated SVM whatever the vendor says
# (shadow paging, no HAP). The Intel vendor keeps SEP in Xen's host featureset (Xen clears it on AMD), and
# libvirt's libxl driver needs it: it decodes the host CPU from xl's hw_caps alone, and on AMD (no SEP, and
# no VME even with +vme) no model of its CPU map fits, so the driver refuses to start. With -cpu max the Dom0 kernel
# crashed early. Xen owns com1 (its console and Dom0's hvc0, both into console.log).
# In QEMU's multiboot module list a comma separates modules; ",," is a literal comma.
qemu-system-x86_64 \
    -machine q35 -accel tcg,thread=multi -cpu "${VIRTTOOLS_XEN_CPU:-qemu64,+svm,vendor=GenuineIntel}" -smp 2 -m "$mem" \
    -display none -monitor none -no-reboot -nodefaults \
    -kernel "$xen" \
    -append "console=com1 com1=115200 dom0_mem=${dom0_mem}M,max:${dom0_mem}M dom0_max_vcpus=2 noreboot" \
    -initrd "$kernel console=hvc0 quiet loglevel=3 panic=-1 VTIO=$io,$initrd" \
    -serial "file:$io/console.log" \
    -fsdev local,id=fsroot,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=fsroot,mount_tag=hostroot \
    -fsdev local,id=fsxen,path="$xenroot",security_model=none,readonly=on \
    -device virtio-9p-pci,fsdev=fsxen,mount_tag=xenroot \
    -fsdev local,id=fsmod,path="$moddir",security_model=none,readonly=on \
    -device virtio-9p-pci,fsdev=fsmod,mount_tag=modules \
    -fsdev local,id=fsio,path="$io",security_model=none \
    -device virtio-9p-pci,fsdev=fsio,mount_tag=vtio \
    -device pcie-root-port,id=rp1,chassis=1,slot=1 \
    -device pcie-root-port,id=rp2,chassis=2,slot=2 \
    -netdev user,id=net1 -device e1000e,netdev=net1,mac=52:54:00:12:34:01,bus=rp1 \
    -netdev user,id=net2 -device e1000e,netdev=net2,mac=52:54:00:12:34:02,bus=rp2 \
    </dev/null >"$io/qemu.log" 2>&1 &
qpid=$!
deadline=$((SECONDS + timeout))
while kill -0 "$qpid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 1; done
timedout=0
if kill -0 "$qpid" 2>/dev/null; then
    timedout=1
    kill "$qpid" 2>/dev/null; sleep 2; kill -9 "$qpid" 2>/dev/null
fi
wait "$qpid" 2>/dev/null
qrc=$?
qpid=""
end=$(date +%s.%N)
cat "$io/output.log" 2>/dev/null
echo "run-dom0.sh: Xen lab ran $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s; $(cat "$io/boot.txt" 2>/dev/null)" >&2

if [ -n "${VIRTTOOLS_QEMU_OUT:-}" ] && [ -d "$io/out" ]; then
    mkdir -p "$VIRTTOOLS_QEMU_OUT" && cp -a "$io/out/." "$VIRTTOOLS_QEMU_OUT/"
fi
if [ -f "$io/rc" ]; then
    exit "$(cat "$io/rc")"
fi
if [ $timedout = 1 ]; then
    echo "run-dom0.sh: timed out after $timeout s" >&2
    tail -n 40 "$io/console.log" >&2 2>/dev/null
    exit 124
fi
echo "run-dom0.sh: Dom0 did not run the command (qemu exit $qrc); console:" >&2
cat "$io/qemu.log" >&2 2>/dev/null
tail -n 60 "$io/console.log" >&2 2>/dev/null
exit 125
