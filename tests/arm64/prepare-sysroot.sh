#!/bin/bash
# An aarch64 sysroot for running the linux-arm64 virttools under qemu-user (qemu-aarch64-static -L):
# the C library, libgcc_s and libstdc++ that the .NET runtime links against, from Debian bookworm's
# arm64 packages (downloaded and unpacked, never installed: dpkg keeps one architecture). Cached and
# locked; prints SYSROOT=<path> on its last line. Exit 3 when it cannot be fetched.
set -euo pipefail

cache=${VIRTTOOLS_ARM64_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virttools-arm64}
mirror=${VIRTTOOLS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages="libc6 libgcc-s1 libstdc++6"
mkdir -p "$cache"

missing() { echo "prepare-sysroot.sh: $*" >&2; exit 3; }
command -v dpkg-deb >/dev/null || missing "dpkg-deb not available"
command -v xz >/dev/null || missing "xz not available (apt-get install xz-utils)"
command -v curl >/dev/null || missing "curl not available"

exec 8>"$cache/.sysroot.lock"
flock 8

root=$cache/sysroot
if [ ! -f "$root.ok" ]; then
    dl=$(mktemp -d "$cache/dl.XXXXXX")
    trap 'rm -rf "$dl"' EXIT
    curl -fsSL --retry 3 -o "$dl/Packages.xz" "$mirror/dists/bookworm/main/binary-arm64/Packages.xz" \
        || missing "cannot download the bookworm arm64 package index"
    xz -dc "$dl/Packages.xz" | awk -v want="$packages" '
        BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) wanted[w[i]] = 1 }
        /^Package: /{ p = ($2 in wanted) ? $2 : "" }
        p != "" && /^Filename: /{ f[p] = $2 }
        p != "" && /^SHA256: /{ s[p] = $2 }
        END { for (k in f) print k, f[k], s[k] }' > "$dl/want"
    [ "$(wc -l < "$dl/want")" = 3 ] || missing "not all of $packages are in the index"
    rm -rf "$root.tmp"
    while read -r name file sum; do
        curl -fsSL --retry 3 -o "$dl/$name.deb" "$mirror/$file" || missing "cannot download $mirror/$file"
        echo "$sum  $dl/$name.deb" | sha256sum -c --quiet - || missing "checksum mismatch for $file"
        dpkg-deb -x "$dl/$name.deb" "$root.tmp"
    done < "$dl/want"
    rm -rf "$root"
    mv "$root.tmp" "$root"
    touch "$root.ok"
fi
[ -e "$root/lib/ld-linux-aarch64.so.1" ] || missing "no aarch64 loader in $root"
echo "SYSROOT=$root"
