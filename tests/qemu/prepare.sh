#!/bin/bash
# Fetches a stock Debian kernel (downloaded and unpacked, never installed) and builds the busybox
# initramfs that boots it with the host's / as a read-only 9p root. Idempotent: a second run only
# prints the cache paths. Output (stdout, last lines): KERNEL=... MODULES=... INITRD=... KVER=...
# Exit codes: 0 ready; 3 a prerequisite is missing (qemu, busybox, apt-get) or the deb cannot be
# fetched -- the test fixture turns 3 into a skip.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${VIRTTOOLS_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virttools-qemu}
mkdir -p "$cache"

missing() { echo "prepare.sh: $*" >&2; exit 3; }
command -v qemu-system-x86_64 >/dev/null || missing "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || missing "busybox not installed (apt-get install busybox-static)"
# The initramfs has no libc: busybox must be static.
if ldd "$busybox" >/dev/null 2>&1; then missing "$busybox is dynamically linked (apt-get install busybox-static)"; fi

# The metapackage names the versioned image package; resolve it so the cache key is the real version.
resolve_pkg() {
    local pkg=${VIRTTOOLS_QEMU_KERNEL_PKG:-}
    if [ -z "$pkg" ]; then
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    fi
    if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
        apt-get update -qq >&2 || true
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    fi
    echo "$pkg"
}

exec 9>"$cache/.lock"
flock 9

pkg=$(resolve_pkg)
if [ -z "$pkg" ]; then
    # Offline: fall back to whatever an earlier run unpacked.
    pkg=$(ls -1 "$cache" | sed -n 's/^\(linux-image-.*-amd64\)\.ok$/\1/p' | tail -n1)
fi
[ -n "$pkg" ] || missing "cannot resolve the kernel package (apt-cache depends linux-image-amd64 gave nothing)"

root=$cache/$pkg
if [ ! -f "$cache/$pkg.ok" ]; then
    command -v apt-get >/dev/null || missing "apt-get not available to download $pkg"
    dl=$(mktemp -d "$cache/dl.XXXXXX")
    # apt-get download runs as the _apt user when root; let it write the temp dir.
    chmod 777 "$dl"
    if ! (cd "$dl" && apt-get download -q "$pkg" >&2); then
        if [ "$(id -u)" = 0 ]; then apt-get update -qq >&2 || true; fi
        (cd "$dl" && apt-get download -q "$pkg" >&2) || { rm -rf "$dl"; missing "apt-get download $pkg failed"; }
    fi
    rm -rf "$root"
    dpkg-deb -x "$dl"/*.deb "$root"
    rm -rf "$dl"
    touch "$cache/$pkg.ok"
fi

kver=$(ls -1 "$root/lib/modules" | head -n1)
kernel=$root/boot/vmlinuz-$kver
moddir=$root/lib/modules/$kver
[ -f "$kernel" ] || missing "no kernel in $root/boot"
# QEMU boots an uncompressed ELF vmlinux through its PVH entry point; that skips the xz
# decompression of the bzImage, several seconds under TCG. Keep the bzImage when that is not possible.
vmlinux=$root/vmlinux-$kver
# busybox's xz lacks the x86 BCJ filter the kernel's payload uses: this needs xz-utils.
if [ ! -s "$vmlinux" ] && command -v xz >/dev/null && grep -q '^CONFIG_PVH=y' "$root/boot/config-$kver" 2>/dev/null; then
    off=$(grep -abo $'\xfd7zXZ\x00' "$kernel" | head -n1 | cut -d: -f1)
    if [ -n "$off" ]; then
        # The payload is followed by other data, which xzcat reports as an error after the output.
        tail -c +$((off + 1)) "$kernel" | xz -dc > "$vmlinux.tmp" 2>/dev/null || true
        if [ "$(head -c 4 "$vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
            mv "$vmlinux.tmp" "$vmlinux"
        fi
    fi
    rm -f "$vmlinux.tmp"
fi
[ -s "$vmlinux" ] && kernel=$vmlinux

# dpkg-deb -x does not run depmod's postinst; the deb ships no modules.dep.
if [ ! -s "$moddir/modules.dep" ]; then
    # busybox depmod also writes modules.alias, which Get-PciDevice reads for KernelModules;
    # it saves needing kmod on the CI host.
    "$busybox" depmod -b "$root" "$kver"
fi

# Modules the guest needs before its root exists, in dependency order (modules.dep lists the
# dependencies of each module; they must be loaded first). Everything else comes from the 9p
# share of $moddir once the root is mounted.
early="virtio_pci 9pnet_virtio 9p overlay"
initrd=$cache/initrd-$kver.cpio.gz
stamp=$(cat "$here/init" "$0" | sha256sum | cut -c1-16)
if [ ! -f "$initrd" ] || [ "$(cat "$initrd.stamp" 2>/dev/null)" != "$stamp" ]; then
    stage=$(mktemp -d "$cache/initrd.XXXXXX")
    mkdir -p "$stage"/{bin,dev,proc,sys,run,newroot,modules,lower,upper}
    cp "$busybox" "$stage/bin/busybox"
    cp "$here/init" "$stage/init"
    chmod 755 "$stage/init" "$stage/bin/busybox"
    order=()
    seen=" "
    add() {
        local name=$1 path deps d
        path=$(awk -v n="$name" -F: '{ f=$1; sub(/.*\//, "", f); sub(/\.ko(\.[a-z]+)?$/, "", f); gsub(/-/, "_", f); if (f == n) { print; exit } }' "$moddir/modules.dep")
        [ -n "$path" ] || { echo "prepare.sh: module $name not in modules.dep (built in?)" >&2; return 0; }
        deps=${path#*:}
        for d in $deps; do
            d=${d##*/}; d=${d%%.ko*}; d=${d//-/_}
            add "$d"
        done
        case "$seen" in *" $name "*) return 0 ;; esac
        seen="$seen$name "
        order+=("${path%%:*}")
    }
    for m in $early; do add "$m"; done
    : > "$stage/modules/order"
    for rel in "${order[@]}"; do
        f=$moddir/$rel
        base=$(basename "$rel")
        case "$base" in
            *.ko.xz) xz -dc "$f" > "$stage/modules/${base%.xz}"; base=${base%.xz} ;;
            *.ko.zst) zstd -qdc "$f" > "$stage/modules/${base%.zst}"; base=${base%.zst} ;;
            *.ko.gz) gzip -dc "$f" > "$stage/modules/${base%.gz}"; base=${base%.gz} ;;
            *) cp "$f" "$stage/modules/$base" ;;
        esac
        echo "$base" >> "$stage/modules/order"
    done
    (cd "$stage" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
    echo "$stamp" > "$initrd.stamp"
    rm -rf "$stage"
fi

echo "KERNEL=$kernel"
echo "MODULES=$moddir"
echo "INITRD=$initrd"
echo "KVER=$kver"
