#!/usr/bin/env bash
# Two libvirt daemons (QEMU driver) on one machine for the migration and snapshot tests.
#
#   lab.sh start DIR [a|ab]   start daemon A (and B): each libvirtd + virtlogd in its own mount
#                             namespace (unshare -m) whose /etc/libvirt /run/libvirt /var/lib/libvirt
#                             /var/cache/libvirt /var/log/libvirt are bind mounts of DIR/<x>/*. The
#                             host's own qemu:///system paths are never used: another libvirtd may be
#                             running there. Each daemon gets its own host_uuid (qemu refuses a
#                             migration between equal ones) and cgroup_controllers=[] (without
#                             systemd, two daemons put same-ID guests into one cgroup).
#                             Prints shell assignments: LAB_DIR, LAB_A_URI, LAB_B_URI, LAB_A_UUID,
#                             LAB_B_UUID, LAB_MIG_DIR, LAB_KERNEL, LAB_INITRD (also in DIR/env).
#   lab.sh stop DIR           stops every QEMU and daemon started for DIR, by the pids recorded in
#                             DIR (checked against /proc/PID/comm first), then removes DIR.
#   lab.sh guest-xml DIR NAME CONSOLE [MEMORY_MIB] [DISK]
#                             the counter guest: domain type qemu (TCG), direct kernel boot of the
#                             Debian kernel from tests/qemu/prepare.sh with a busybox initramfs whose
#                             init prints "tick N boot=ID" on ttyS0 every second, console to the file
#                             CONSOLE (append), no disk unless DISK (a qcow2 path) is given.
#
# Exit codes: 0 ok; 3 a prerequisite is missing (the tests turn 3 into a skip); 1 failure (after
# stopping whatever this run started).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

missing() { echo "lab.sh: $*" >&2; exit 3; }
die() { echo "lab.sh: $*" >&2; exit 1; }
comm_of() { cat "/proc/$1/comm" 2>/dev/null; }

# Kill PID only if it still is the program we started (pids are reused).
kill_ours() {
    local pidfile=$1 p c
    [ -f "$pidfile" ] || return 0
    p=$(cat "$pidfile" 2>/dev/null) || return 0
    [[ $p =~ ^[0-9]+$ ]] || return 0
    c=$(comm_of "$p")
    case $c in
        libvirtd|virtlogd|qemu-system-*)
            kill "$p" 2>/dev/null
            for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null
            ;;
    esac
    rm -f "$pidfile"
}

stop_lab() {
    local dir=$1 x pf
    [ -d "$dir" ] || return 0
    for x in a b; do
        # guests first (their pid files are written by our daemon into our run dir), then the daemons
        for pf in "$dir/$x"/run/qemu/*.pid; do [ -e "$pf" ] && kill_ours "$pf"; done
        kill_ours "$dir/$x/libvirtd.pid"
        kill_ours "$dir/$x/virtlogd.pid"
    done
    # LAB_KEEP=1: keep the logs and consoles for a post-mortem (the processes are gone either way)
    [ "${LAB_KEEP:-}" = 1 ] || rm -rf "$dir"
}

uuid_of() { virsh -q -c "$1" capabilities 2>/dev/null | grep -m1 -o '<uuid>[^<]*' | cut -c7-; }

start_daemon() {
    local dir=$1 x=$2 uuid=$3 d=$1/$2
    mkdir -p "$d"/{etc/qemu,run,lib,cache/qemu/capabilities,log}
    cat > "$d/etc/libvirtd.conf" <<EOF
host_uuid = "$uuid"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
unix_sock_rw_perms = "0770"
EOF
    cat > "$d/etc/qemu.conf" <<EOF
cgroup_controllers = [ ]
EOF
    : > "$d/etc/virtlogd.conf"
    # The QEMU capabilities probe costs seconds under TCG; seed it from an earlier run.
    [ -d "$caps_cache" ] && cp -a "$caps_cache/." "$d/cache/qemu/capabilities/" 2>/dev/null
    unshare -m --propagation private -- sh -ec '
        d=$1
        mkdir -p /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt
        mount --bind "$d/etc" /etc/libvirt
        mount --bind "$d/run" /run/libvirt
        mount --bind "$d/lib" /var/lib/libvirt
        mount --bind "$d/cache" /var/cache/libvirt
        mount --bind "$d/log" /var/log/libvirt
        virtlogd -d --pid-file "$d/virtlogd.pid"
        libvirtd -d -p "$d/libvirtd.pid"
    ' sh "$d" || return 1
    local uri="qemu+unix:///system?socket=$d/run/libvirt-sock"
    for _ in $(seq 300); do
        [ -S "$d/run/libvirt-sock" ] && timeout 10 virsh -q -c "$uri" version >/dev/null 2>&1 && break
        sleep 0.1
    done
    local got; got=$(uuid_of "$uri")
    [ "$got" = "$uuid" ] || { echo "lab.sh: daemon $x answers with host uuid '$got', expected $uuid" >&2; return 1; }
    mkdir -p "$caps_cache" && cp -a "$d/cache/qemu/capabilities/." "$caps_cache/" 2>/dev/null
    echo "$uri"
}

guest_files() {
    local dir=$1 g=$1/guest
    [ -f "$g/initrd.cpio" ] && return 0
    local busybox; busybox=$(command -v busybox) || missing "busybox not installed (apt-get install busybox-static)"
    ldd "$busybox" >/dev/null 2>&1 && missing "$busybox is dynamically linked (apt-get install busybox-static)"
    local out kernel
    out=$(bash "$here/../qemu/prepare.sh") || exit $?
    kernel=$(sed -n 's/^KERNEL=//p' <<<"$out")
    mkdir -p "$g/root/bin" "$g/root/dev" "$g/root/proc"
    cp "$kernel" "$g/vmlinuz"
    cp "$busybox" "$g/root/bin/busybox"
    cat > "$g/root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
boot=$(cat /proc/sys/kernel/random/boot_id)
echo "guest init: boot=${boot%%-*}"
i=0
while :; do i=$((i+1)); echo "tick $i boot=${boot%%-*}"; sleep 1; done
EOF
    chmod 755 "$g/root/init" "$g/root/bin/busybox"
    (cd "$g/root" && find . -mindepth 1 | sed 's|^\./||' | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) > "$g/initrd.cpio"
    # QEMU runs as libvirt-qemu: it must reach the kernel and the initramfs.
    chmod 755 "$dir" "$g"; chmod 644 "$g/vmlinuz" "$g/initrd.cpio"
}

cmd=${1:-}; shift || true
case $cmd in
    start)
        dir=${1:?DIR}; which=${2:-ab}
        [ "$(id -u)" = 0 ] || missing "needs root (mount namespaces, libvirtd)"
        command -v libvirtd >/dev/null || missing "libvirtd not installed (apt-get install libvirt-daemon-system)"
        command -v virtlogd >/dev/null || missing "virtlogd not installed (apt-get install libvirt-daemon-system)"
        command -v virsh >/dev/null || missing "virsh not installed (apt-get install libvirt-clients)"
        command -v qemu-system-x86_64 >/dev/null || missing "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
        command -v unshare >/dev/null || missing "unshare not installed (util-linux)"
        caps_cache=${VIRTTOOLS_LIBVIRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virttools-libvirt}/qemu-capabilities
        stop_lab "$dir"
        mkdir -p "$dir/mig"
        guest_files "$dir"
        # migration sockets are created by the destination QEMU (user libvirt-qemu)
        chmod 1777 "$dir/mig"
        uuid_a=aaaaaaaa-0000-4000-8000-$(printf '%012x' $$)
        uuid_b=bbbbbbbb-0000-4000-8000-$(printf '%012x' $$)
        a_uri=$(start_daemon "$dir" a "$uuid_a") || { stop_lab "$dir"; die "daemon A did not start"; }
        b_uri=
        if [ "$which" = ab ]; then
            b_uri=$(start_daemon "$dir" b "$uuid_b") || { stop_lab "$dir"; die "daemon B did not start"; }
        fi
        {
            echo "LAB_DIR=$dir"
            echo "LAB_A_URI=$a_uri"
            echo "LAB_B_URI=$b_uri"
            echo "LAB_A_UUID=$uuid_a"
            echo "LAB_B_UUID=$([ -n "$b_uri" ] && echo "$uuid_b")"
            echo "LAB_MIG_DIR=$dir/mig"
            echo "LAB_KERNEL=$dir/guest/vmlinuz"
            echo "LAB_INITRD=$dir/guest/initrd.cpio"
            echo "LAB_PIDS=$(for f in "$dir"/*/*.pid; do cat "$f"; echo; done | paste -sd, -)"
        } | tee "$dir/env"
        ;;
    stop)
        stop_lab "${1:?DIR}"
        ;;
    guest-xml)
        dir=${1:?DIR}; name=${2:?NAME}; console=${3:?CONSOLE}; mem=${4:-128}; disk=${5:-}
        diskxml=
        [ -n "$disk" ] && diskxml="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$disk'/><target dev='vda' bus='virtio'/></disk>"
        cat <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>$mem</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$dir/guest/vmlinuz</kernel>
    <initrd>$dir/guest/initrd.cpio</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    $diskxml
    <controller type='usb' model='none'/>
    <serial type='file'><source path='$console' append='on'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
        ;;
    *)
        sed -n '2,/^set -uo/p' "$0" | sed '$d' >&2
        exit 2
        ;;
esac
