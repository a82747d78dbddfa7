#!/usr/bin/env bash
# Builds OUT: a busybox initramfs whose init loads the ACPI button and evdev modules of the test
# kernel (tests/qemu/prepare.sh's MODULES), says "guest init: ready" on the console and powers the
# guest off (poweroff -f) when the ACPI power button is pressed, so a graceful stop really stops it.
#   guest-initramfs.sh MODULES_DIR OUT
set -euo pipefail
mods=$1; out=$2
busybox=$(command -v busybox)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t"/{bin,dev,proc,sys,lib}
cp "$busybox" "$t/bin/busybox"
for a in sh mount insmod cat poweroff sleep dd grep basename echo; do ln -s busybox "$t/bin/$a"; done
for m in kernel/drivers/acpi/button.ko kernel/drivers/input/evdev.ko; do
    f=$mods/$m
    [[ -f $f ]] || f=$(ls "$mods/$m".* 2>/dev/null | head -1)
    [[ -f $f ]] || { echo "guest-initramfs: $m not in $mods" >&2; exit 3; }
    case $f in *.xz) xz -dc "$f" > "$t/lib/$(basename "$m")" ;; *.zst) zstd -dqc "$f" > "$t/lib/$(basename "$m")" ;; *) cp "$f" "$t/lib/" ;; esac
done
cat > "$t/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
insmod /lib/evdev.ko
insmod /lib/button.ko
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
while :; do sleep 60; done
INIT
chmod 755 "$t/init"
(cd "$t" && find . -mindepth 1 | sed 's|^\./||' | busybox cpio -o -H newc -R 0:0 2>/dev/null) > "$out"
