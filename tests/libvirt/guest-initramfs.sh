#!/usr/bin/env bash
# Builds OUT: a busybox initramfs whose init loads the ACPI button and evdev modules of the test
# kernel (tests/qemu/prepare.sh's MODULES), says "guest init: ready" on the console and powers the
# guest off (poweroff -f) when the ACPI power button is pressed, so a graceful stop really stops it.
#   guest-initramfs.sh MODULES_DIR OUT
# Extensions, one pair of files per test area so areas never edit the same lines:
#   guest.d/AREA.modules  module paths under MODULES_DIR (kernel/drivers/...), one per line, in the
#                         order insmod needs them (dependencies first); '#' starts a comment
#   guest.d/AREA.sh       a report: sourced every 2 s by init; whatever it prints is written to the
#                         console as "guest report AREA: LINE", but only when it differs from the
#                         last report of that area, so a test can wait for a change it caused
set -euo pipefail
mods=$1; out=$2
busybox=$(command -v busybox)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t"/{bin,dev,proc,sys,lib,etc/report.d,tmp}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cp "$busybox" "$t/bin/busybox"
for a in sh mount umount insmod cat poweroff sleep dd grep basename echo ls ip ifconfig udhcpc mkdir sed head tr wc blkid; do ln -s busybox "$t/bin/$a"; done
wanted=(kernel/drivers/acpi/button.ko kernel/drivers/input/evdev.ko)
for list in "$here"/guest.d/*.modules; do
    [[ -f $list ]] || continue
    while read -r m _; do [[ -z $m || $m == \#* ]] || wanted+=("$m"); done < "$list"
done
: > "$t/lib/order"
for m in "${wanted[@]}"; do
    base=$(basename "$m"); base=${base%.xz}; base=${base%.zst}
    grep -qx "$base" "$t/lib/order" && continue
    f=$mods/$m
    [[ -f $f ]] || f=$(ls "$mods/$m".* 2>/dev/null | head -1)
    [[ -f $f ]] || { echo "guest-initramfs: $m not in $mods" >&2; exit 3; }
    case $f in *.xz) xz -dc "$f" > "$t/lib/$base" ;; *.zst) zstd -dqc "$f" > "$t/lib/$base" ;; *) cp "$f" "$t/lib/$base" ;; esac
    echo "$base" >> "$t/lib/order"
done
for r in "$here"/guest.d/*.sh; do [[ -f $r ]] && cp "$r" "$t/etc/report.d/"; done
cat > "$t/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# Each area's modules in the order its list gives; a module built into the kernel is not in the list.
while read -r m; do insmod "/lib/$m" 2>/dev/null || echo "guest init: insmod $m failed"; done < /lib/order
sleep 1
n=0
for d in /sys/class/input/event*; do
    [ "$(cat "$d/device/name" 2>/dev/null)" = "Power Button" ] || continue
    # One input_event (24 bytes) arrives when the button is pressed; until devtmpfs has the node, dd fails.
    dev=/dev/input/$(basename "$d")
    (until dd if="$dev" of=/dev/null bs=24 count=1 2>&1 | grep -q '^1+0 records in'; do sleep 1; done
     echo "guest init: power button"; poweroff -f) &
    n=$((n+1))
done
echo "guest init: ready ($n power buttons)"
while :; do
    for r in /etc/report.d/*.sh; do
        [ -f "$r" ] || continue
        area=$(basename "$r" .sh)
        now=$(. "$r" 2>&1)
        [ "$now" = "$(cat "/tmp/$area.last" 2>/dev/null)" ] && continue
        echo "$now" > "/tmp/$area.last"
        echo "$now" | while read -r line; do echo "guest report $area: $line"; done
    done
    sleep 2
done
INIT
chmod 755 "$t/init"
(cd "$t" && find . -mindepth 1 | sed 's|^\./||' | busybox cpio -o -H newc -R 0:0 2>/dev/null) > "$out"
