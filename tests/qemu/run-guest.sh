#!/bin/bash
# run-guest.sh <command...>: boots a throwaway q35 guest (TCG, emulated Intel IOMMU, two e1000e NICs
# and an SR-IOV capable NVMe controller, each behind its own PCIe root port, plus a two-function
# e1000e without ACS, whose functions share one IOMMU group), runs <command> in it as
# root in the current directory (the host's / is the guest's root, read-only, with a tmpfs overlay),
# powers off and exits with the command's exit code.
# Exit 124: the hard timeout (VIRTTOOLS_QEMU_TIMEOUT seconds, default 600) expired.
# Exit 125: the guest never ran the command (boot failure; its console log is printed).
# Exit 3:   prerequisites missing (see prepare.sh).
# Environment passed into the guest: variables named in VIRTTOOLS_QEMU_PASSENV (space separated).
# Files the command writes to $VIRTTOOLS_GUEST_OUT (in the guest) are copied to the host directory
# VIRTTOOLS_QEMU_OUT when it is set.
# VIRTTOOLS_QEMU_KEEP=1 keeps the exchange directory (console.log, boot.txt) and prints its path.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -gt 0 ] || { echo "usage: $0 <command...>" >&2; exit 2; }

prep=$("$here/prepare.sh") || exit $?
# VIRTTOOLS_QEMU_IGB=1: the same machine on QEMU 10 (fetched by prepare-qemu10.sh, never installed)
# plus an igb NIC (an emulated Intel 82576 with SR-IOV) behind a fifth root port. Opt-in: the other
# scenarios keep the system QEMU. A failed fetch fails the run (exit 3), never silently drops igb.
qemu=(qemu-system-x86_64)
igb=()
if [ "${VIRTTOOLS_QEMU_IGB:-0}" = 1 ]; then
    q10=$("$here/prepare-qemu10.sh") || exit 3
    q10bin=$(sed -n 's/^QEMU10=//p' <<<"$q10")
    q10data=$(sed -n 's/^QEMU10_DATA=//p' <<<"$q10")
    # QEMU_MODULE_DIR: QEMU 10 must not load the system 7.2's modules; the firmware (SeaBIOS) and
    # option ROMs it does not ship come from the system's seabios/ipxe packages, searched after its own.
    qemu=(env QEMU_MODULE_DIR=/nonexistent "$q10bin" -L "$q10data" -L /usr/share/seabios -L /usr/lib/ipxe/qemu -L /usr/share/qemu)
    igb=(-device pcie-root-port,id=rp5,chassis=5,slot=5
         -netdev user,id=net5 -device igb,netdev=net5,mac=52:54:00:12:34:05,bus=rp5)
fi
kernel=$(sed -n 's/^KERNEL=//p' <<<"$prep")
moddir=$(sed -n 's/^MODULES=//p' <<<"$prep")
initrd=$(sed -n 's/^INITRD=//p' <<<"$prep")

io=$(mktemp -d "${TMPDIR:-/tmp}/virttools-qemu.XXXXXX")
case "$io" in *[[:space:]]*) echo "run-guest.sh: $io contains blanks" >&2; exit 2 ;; esac
cleanup() { if [ "${VIRTTOOLS_QEMU_KEEP:-0}" = 1 ]; then echo "run-guest.sh: kept $io" >&2; else rm -rf "$io"; fi; }
trap cleanup EXIT
chmod 755 "$io"

# shellcheck source=guest-command.sh
. "$here/guest-command.sh"
write_guest_command "$io/command.sh" "$@"

timeout=${VIRTTOOLS_QEMU_TIMEOUT:-600}
mem=${VIRTTOOLS_QEMU_MEMORY:-2048}
smp=${VIRTTOOLS_QEMU_SMP:-2}
start=$(date +%s.%N)
# kernel-irqchip=split: QEMU refuses intremap=on without it. Never -enable-kvm: /dev/kvm on these
# hosts may be a PVM kvm that hangs a stock kernel.
timeout -k 5 "$timeout" "${qemu[@]}" \
    -machine q35,kernel-irqchip=split -accel tcg,thread=multi -cpu max -smp "$smp" -m "$mem" \
    -display none -monitor none -no-reboot -nodefaults \
    -device intel-iommu,intremap=on,caching-mode=on \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 intel_iommu=on iommu=pt panic=-1 no_timer_check quiet loglevel=3 VTIO=$io" \
    -serial "file:$io/console.log" \
    -chardev stdio,id=out,signal=off -serial chardev:out \
    -fsdev local,id=fsroot,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=fsroot,mount_tag=hostroot \
    -fsdev local,id=fsmod,path="$moddir",security_model=none,readonly=on \
    -device virtio-9p-pci,fsdev=fsmod,mount_tag=modules \
    -fsdev local,id=fsio,path="$io",security_model=none \
    -device virtio-9p-pci,fsdev=fsio,mount_tag=vtio \
    -device pcie-root-port,id=rp1,chassis=1,slot=1 \
    -device pcie-root-port,id=rp2,chassis=2,slot=2 \
    -device pcie-root-port,id=rp3,chassis=3,slot=3 \
    -device pcie-root-port,id=rp4,chassis=4,slot=4 \
    -netdev user,id=net1 -device e1000e,netdev=net1,mac=52:54:00:12:34:01,bus=rp1 \
    -netdev user,id=net2 -device e1000e,netdev=net2,mac=52:54:00:12:34:02,bus=rp2 \
    -netdev user,id=net3 -device e1000e,netdev=net3,mac=52:54:00:12:34:03,bus=rp4,addr=00.0,multifunction=on \
    -netdev user,id=net4 -device e1000e,netdev=net4,mac=52:54:00:12:34:04,bus=rp4,addr=00.1 \
    -device nvme-subsys,id=nvmesubsys,nqn=virttools-test \
    -device nvme,serial=vt0001,subsys=nvmesubsys,bus=rp3,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4 \
    "${igb[@]}" </dev/null
qrc=$?
end=$(date +%s.%N)
echo "run-guest.sh: guest ran $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s; $(cat "$io/boot.txt" 2>/dev/null)" >&2

if [ -n "${VIRTTOOLS_QEMU_OUT:-}" ] && [ -d "$io/out" ]; then
    mkdir -p "$VIRTTOOLS_QEMU_OUT" && cp -a "$io/out/." "$VIRTTOOLS_QEMU_OUT/"
fi
if [ -f "$io/rc" ]; then
    exit "$(cat "$io/rc")"
fi
if [ $qrc = 124 ] || [ $qrc = 137 ]; then
    echo "run-guest.sh: timed out after $timeout s" >&2
    tail -n 40 "$io/console.log" >&2 2>/dev/null
    exit 124
fi
echo "run-guest.sh: the guest did not run the command (qemu exit $qrc); console:" >&2
tail -n 60 "$io/console.log" >&2 2>/dev/null
exit 125
