#!/bin/bash
# Prepares the Xen lab (see README.md): the Dom0 kernel and its modules come from tests/qemu/prepare.sh
# (the same cached Debian kernel deb); the Xen 4.17 hypervisor, the toolstack (xl, xenstored,
# xenconsoled, libxenlight) and libvirt's libxl driver are Debian packages fetched with apt-get download
# and dpkg-deb -x'ed into the cache (never installed: the host has no Xen and keeps its own libvirt).
# The unpacked tree becomes the top layer of Dom0's root. Idempotent and locked.
# Output (stdout, last lines): XEN=... DOM0_KERNEL=... MODULES=... INITRD=... XENROOT=... KVER=... GUEST_INITRD=...
# Exit codes: 0 ready; 3 a prerequisite is missing or a package cannot be fetched (the tests skip).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VIRTTOOLS_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virttools-qemu}

missing() { echo "xen/prepare.sh: $*" >&2; exit 3; }
qprep=$("$here/../qemu/prepare.sh") || exit $?
moddir=$(sed -n 's/^MODULES=//p' <<<"$qprep")
kver=$(sed -n 's/^KVER=//p' <<<"$qprep")
# Xen boots the bzImage itself (the ELF vmlinux tests/qemu prefers is for QEMU's PVH entry).
kernel=$(dirname "$(dirname "$moddir")")/../boot/vmlinuz-$kver
kernel=$(cd "$(dirname "$kernel")" && pwd)/vmlinuz-$kver
[ -f "$kernel" ] || missing "no Dom0 kernel at $kernel"
busybox=$(command -v busybox)

# The hypervisor, the toolstack and its libraries, and libvirt's libxl driver (libvirtd itself, libvirt0
# and libyajl2 come from the host: the driver must match the host's libvirt-daemon version).
packages="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils libxenmisc4.17
  libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenstore4 libxentoollog1
  libxendevicemodel1 libxentoolcore1 libxenhypfs1 libvirt-daemon-driver-xen"

exec 9>"$cache/.xen.lock"
flock 9

version() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2; exit }'; }
xver=$(version xen-utils-4.17)
if [ -z "$xver" ] || [ "$xver" = "(none)" ]; then
    [ "$(id -u)" = 0 ] && { apt-get update -qq >&2 || true; }
    xver=$(version xen-utils-4.17)
fi
if [ -z "$xver" ] || [ "$xver" = "(none)" ]; then
    # Offline: whatever an earlier run unpacked.
    xver=$(ls -1 "$cache" | sed -n 's/^xen-\(.*\)\.ok$/\1/p' | tail -n1)
fi
[ -n "$xver" ] || missing "xen-utils-4.17 is unknown to apt (Debian 12 sources needed)"

xroot=$cache/xen-$xver
if [ ! -f "$cache/xen-$xver.ok" ]; then
    command -v apt-get >/dev/null || missing "apt-get not available"
    dl=$(mktemp -d "$cache/xendl.XXXXXX")
    chmod 777 "$dl"
    # shellcheck disable=SC2086 # the list is meant to split into words
    (cd "$dl" && apt-get download -q $packages >&2) || { rm -rf "$dl"; missing "apt-get download of the Xen packages failed"; }
    rm -rf "$xroot"
    mkdir -p "$xroot/root"
    for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$xroot/root"; done
    rm -rf "$dl" "$xroot/root/usr/share/doc" "$xroot/root/usr/share/man"
    # QEMU's multiboot loader takes the plain ELF, not the gzip the package ships.
    zcat "$xroot/root/boot/xen-4.17-amd64.gz" > "$xroot/xen"
    touch "$cache/xen-$xver.ok"
fi

initrd=$cache/xen-initrd-$kver.cpio.gz
early="virtio_pci 9pnet_virtio 9p overlay"
stamp=$(cat "$here/init" "$0" | sha256sum | cut -c1-16)
if [ ! -f "$initrd" ] || [ "$(cat "$initrd.stamp" 2>/dev/null)" != "$stamp" ]; then
    stage=$(mktemp -d "$cache/xeninitrd.XXXXXX")
    mkdir -p "$stage"/{bin,dev,proc,sys,run,newroot,modules,lower,xen,upper}
    cp "$busybox" "$stage/bin/busybox"
    cp "$here/init" "$stage/init"
    chmod 755 "$stage/init" "$stage/bin/busybox"
    : > "$stage/modules/order"
    # The same early modules as tests/qemu's initramfs, in modules.dep order (dependencies first).
    for m in $early; do
        for rel in $(awk -v n="$m" -F: '{ f=$1; sub(/.*\//, "", f); sub(/\.ko(\.[a-z]+)?$/, "", f); gsub(/-/, "_", f);
                                          if (f == n) { n2=split($2, d, " "); for (i = n2; i >= 1; i--) print d[i]; print $1; exit } }' "$moddir/modules.dep"); do
            base=$(basename "$rel")
            grep -qx "$base" "$stage/modules/order" && continue
            cp "$moddir/$rel" "$stage/modules/$base"
            echo "$base" >> "$stage/modules/order"
        done
    done
    (cd "$stage" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
    echo "$stamp" > "$initrd.stamp"
    rm -rf "$stage"
fi

# The PV guest's initramfs (New-VMGuest -Hypervisor Xen -Mode PV boots Dom0's own kernel with it): says
# "xen guest init: ready" on its console (hvc0, which xenconsoled logs) with the boot id, so a test tells a
# new boot from the last. A PV guest is shut down through xenstore: the kernel then runs /sbin/poweroff
# (orderly_poweroff without force), which must really power off, as init here cannot take the signal; it
# runs with no output, so it says so on /dev/console.
guest_initrd=$cache/xen-guest-initrd-$kver.cpio
gstamp=$(sed -n '/^# The PV guest/,/^fi$/p' "$0" | sha256sum | cut -c1-16)
if [ ! -f "$guest_initrd" ] || [ "$(cat "$guest_initrd.stamp" 2>/dev/null)" != "$gstamp" ]; then
    stage=$(mktemp -d "$cache/xenguest.XXXXXX")
    mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp}
    cp "$busybox" "$stage/bin/busybox"
    cat > "$stage/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
boot=$(cat /proc/sys/kernel/random/boot_id)
echo "xen guest init: ready kernel=$(uname -r) boot=${boot%%-*}"
while :; do sleep 3600; done
INIT
    cat > "$stage/sbin/poweroff" <<'OFF'
#!/bin/busybox sh
echo "xen guest init: poweroff requested" > /dev/console
exec /bin/busybox poweroff -f
OFF
    chmod 755 "$stage/init" "$stage/sbin/poweroff" "$stage/bin/busybox"
    (cd "$stage" && find . -mindepth 1 | sed 's|^\./||' | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) > "$guest_initrd.tmp"
    mv "$guest_initrd.tmp" "$guest_initrd"
    echo "$gstamp" > "$guest_initrd.stamp"
    rm -rf "$stage"
fi

echo "XEN=$xroot/xen"
echo "DOM0_KERNEL=$kernel"
echo "MODULES=$moddir"
echo "INITRD=$initrd"
echo "XENROOT=$xroot/root"
echo "KVER=$kver"
echo "GUEST_INITRD=$guest_initrd"
