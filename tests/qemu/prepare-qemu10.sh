#!/bin/bash
# Fetches QEMU 10 from bookworm-backports (downloaded and unpacked, never installed: libvirt keeps
# the system QEMU) into the cache, for the opt-in igb scenario: QEMU 7.2 has no igb, QEMU 10's igb
# emulates an Intel 82576 with SR-IOV, which the guest's igb/igbvf drivers run for real.
# Idempotent and locked like prepare.sh. Output (stdout, last line): QEMU10=<path of the binary>
# plus QEMU10_DATA=<directory for -L>. Exit 3 when it cannot be fetched (the caller fails loudly).
set -euo pipefail

cache=${VIRTTOOLS_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virttools-qemu}
mirror=${VIRTTOOLS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm-backports
mkdir -p "$cache"

missing() { echo "prepare-qemu10.sh: $*" >&2; exit 3; }
command -v dpkg-deb >/dev/null || missing "dpkg-deb not available"
command -v xz >/dev/null || missing "xz not available (apt-get install xz-utils)"
fetch() {
    if command -v curl >/dev/null; then curl -fsSL --retry 3 -o "$2" "$1"
    elif command -v wget >/dev/null; then wget -q -O "$2" "$1"
    else missing "neither curl nor wget to download $1"; fi
}

exec 8>"$cache/.qemu10.lock"
flock 8

root=$cache/qemu10
if [ ! -f "$root.ok" ]; then
    dl=$(mktemp -d "$cache/qemu10dl.XXXXXX")
    trap 'rm -rf "$dl"' EXIT
    fetch "$mirror/dists/$suite/main/binary-amd64/Packages.xz" "$dl/Packages.xz" \
        || missing "cannot download $mirror/dists/$suite/main/binary-amd64/Packages.xz"
    # The index names the current file and its checksum; the version changes with security updates.
    xz -dc "$dl/Packages.xz" | awk '
        /^Package: /{ p = ($2 == "qemu-system-x86" || $2 == "qemu-system-data") ? $2 : "" }
        p != "" && /^Filename: /{ f[p] = $2 }
        p != "" && /^SHA256: /{ s[p] = $2 }
        END { for (k in f) print k, f[k], s[k] }' > "$dl/want"
    [ "$(wc -l < "$dl/want")" = 2 ] || missing "qemu-system-x86/qemu-system-data not found in $suite"
    rm -rf "$root.tmp"
    while read -r name file sum; do
        major=$(basename "$file" | sed -n 's/^[^_]*_\([0-9]*\)\..*/\1/p')
        [ "${major:-0}" -ge 8 ] || missing "$suite has $file, which predates igb (QEMU 8)"
        fetch "$mirror/$file" "$dl/$name.deb" || missing "cannot download $mirror/$file"
        echo "$sum  $dl/$name.deb" | sha256sum -c --quiet - || missing "checksum mismatch for $file"
        dpkg-deb -x "$dl/$name.deb" "$root.tmp"
        basename "$file" >> "$root.tmp/VERSIONS"
    done < "$dl/want"
    rm -rf "$root"
    mv "$root.tmp" "$root"
    touch "$root.ok"
fi

bin=$root/usr/bin/qemu-system-x86_64
[ -x "$bin" ] || missing "no $bin after unpacking"
echo "QEMU10=$bin"
echo "QEMU10_DATA=$root/usr/share/qemu"
