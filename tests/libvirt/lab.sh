#!/usr/bin/env bash
# The one real-daemon harness of the test suites: private libvirt daemons (QEMU driver) on this
# machine, for the guest tests (one daemon), the snapshot and migration tests and the benchmark (two,
# and a third for the same-host-UUID refusal).
#
# State layout, for each daemon X (a, b, c ...) under DIR:
#   DIR/X/{etc,run,lib,cache,log}  bind-mounted in X's own mount namespace (unshare -m) over
#                                  /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt
#                                  /var/log/libvirt, so no daemon ever meets another libvirtd of the
#                                  machine (nor its guests, pools, sockets or cgroups)
#   DIR/X/libvirtd.pid, DIR/X/virtlogd.pid, DIR/X/run/qemu/*.pid (its guests, written by libvirt)
#   DIR/X/lib/images               storage pool 'default', /var/lib/libvirt/images as the daemon
#                                  sees it: the same path on every daemon, different files, as on
#                                  two hosts (what Move-VMGuest -CopyStorage needs)
#   DIR/guest, DIR/mig, DIR/env    the counter guest's kernel and initramfs, migration sockets, the
#                                  assignments printed by start
# URI of X: qemu+unix:///system?socket=DIR/X/run/libvirt-sock
#
#   lab.sh start DIR [a|ab]   stops whatever an earlier run left in DIR, then starts daemon A (and B),
#                             each with its own host_uuid (libvirt refuses a migration between equal
#                             ones) and prints shell assignments: LAB_DIR, LAB_A_URI, LAB_B_URI,
#                             LAB_A_UUID, LAB_B_UUID, LAB_A_POOL, LAB_B_POOL (host paths of the
#                             pools), LAB_MIG_DIR, LAB_KERNEL, LAB_INITRD (also in DIR/env).
#   lab.sh add DIR X [UUID]   starts one more daemon X in DIR (UUID: its host_uuid, e.g. A's to
#                             fake a cloned host); prints LAB_X_URI, LAB_X_UUID and LAB_X_POOL.
#   lab.sh stop DIR [X]       stops daemon X (or every daemon of DIR, then removes DIR): its QEMUs
#                             first, then libvirtd and virtlogd, each by its recorded pid and only if
#                             that pid still is the process that wrote the file (name and start time
#                             checked: pids are reused). LAB_KEEP=1 keeps DIR for a post-mortem.
#   lab.sh revive DIR X       starts libvirtd X again on its kept state after it was killed (SIGKILL);
#                             it reconnects to the QEMUs that outlived it (virtlogd too, if it died).
#   Hold points: every daemon runs a qemu hook (DIR/X/etc/hooks/qemu) that does nothing unless the file
#   DIR/X/hold holds "GUEST OP" (a hook op: prepare, start, started, migrate ...). At that point of that
#   guest's start (or incoming migration) it creates DIR/X/held and keeps the daemon's call waiting
#   until DIR/X/hold is removed or the daemon dies: a test kills the daemon at an exact point of its
#   work instead of racing it. "FILE qemu-img" holds the daemon's `qemu-img create` of a volume named
#   FILE (its PATH starts with DIR/X/bin, where a wrapper waits the same way, then runs the real one).
#   lab.sh guest-xml DIR NAME CONSOLE [MEMORY_MIB] [DISK]
#                             the counter guest: domain type qemu (TCG), direct kernel boot of the
#                             Debian kernel from tests/qemu/prepare.sh with a busybox initramfs whose
#                             init prints "tick N boot=ID" on ttyS0 every second, console to the file
#                             CONSOLE (append), no disk unless DISK (a qcow2 path) is given.
#
# Pitfalls (../../shared/recipes/libvirt-migration-one-host.sh): without systemd two daemons put
# same-ID guests into one cgroup (cgroup_controllers = []); QEMU runs as root without a security
# driver, so it reads the test kernel from any cache and images created by any daemon.
#
# Exit codes: 0 ok; 3 a prerequisite is missing (the tests turn 3 into a skip); 1 failure (after
# stopping whatever this run started).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

missing() { echo "lab.sh: $*" >&2; exit 3; }
die() { echo "lab.sh: $*" >&2; exit 1; }

# When PID started, in seconds since the epoch (field 22 of /proc/PID/stat, after the comm in parentheses).
started_at() {
    local stat rest btime
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    rest=${stat##*) }
    btime=$(awk '/^btime/{print $2}' /proc/stat)
    awk -v t="$(cut -d' ' -f20 <<<"$rest")" -v hz="$(getconf CLK_TCK)" -v b="$btime" 'BEGIN{printf "%d\n", b + t / hz}'
}

# Kill the pid in PIDFILE only if it still is the program that was recorded there: the name must be
# ours and the process must have started before the file was written (a reused pid starts after).
kill_ours() {
    local pidfile=$1 p c since written
    [ -f "$pidfile" ] || return 0
    p=$(cat "$pidfile" 2>/dev/null) || return 0
    [[ $p =~ ^[0-9]+$ ]] || { rm -f "$pidfile"; return 0; }
    c=$(cat "/proc/$p/comm" 2>/dev/null)
    since=$(started_at "$p") || since=
    written=$(stat -c %Y "$pidfile")
    case $c in
        libvirtd|virtlogd|qemu-system-*)
            if [ -n "$since" ] && [ "$since" -le $((written + 2)) ]; then
                kill "$p" 2>/dev/null
                for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
                kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null
            else
                echo "lab.sh: pid $p of $pidfile is a $c started after the file was written: not ours, left alone" >&2
            fi
            ;;
    esac
    rm -f "$pidfile"
}

stop_daemon() {
    local d=$1 pf
    [ -d "$d" ] || return 0
    # guests first (their pid files are written by our daemon into our run dir), then the daemons
    for pf in "$d"/run/qemu/*.pid; do [ -e "$pf" ] && kill_ours "$pf"; done
    kill_ours "$d/libvirtd.pid"
    kill_ours "$d/virtlogd.pid"
    rm -f "$d/run/libvirt-sock" "$d/run/libvirt-sock-ro" "$d/run/libvirt-admin-sock"
}

stop_lab() {
    local dir=$1 d
    [ -d "$dir" ] || return 0
    for d in "$dir"/*/; do [ -d "$d/etc" ] && stop_daemon "${d%/}"; done
    # LAB_KEEP=1: keep the logs and consoles for a post-mortem (the processes are gone either way)
    [ "${LAB_KEEP:-}" = 1 ] || rm -rf "$dir"
}

uuid_of() { virsh -q -c "$1" capabilities 2>/dev/null | grep -m1 -o '<uuid>[^<]*' | cut -c7-; }

prerequisites() {
    [ "$(id -u)" = 0 ] || missing "needs root (mount namespaces, a system-mode libvirtd)"
    local p
    for p in libvirtd virtlogd virsh qemu-system-x86_64 qemu-img unshare; do
        command -v $p >/dev/null || missing "$p not installed (apt-get install libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils)"
    done
    unshare -m --propagation private true 2>/dev/null || missing "unshare -m is not allowed here (no CAP_SYS_ADMIN): each daemon needs its own mount namespace"
    caps_cache=${VIRTTOOLS_LIBVIRT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virttools-libvirt}/qemu-capabilities
}

# launch D WITH_VIRTLOGD: libvirtd (and virtlogd) in a new mount namespace with D's directories bound over
# libvirt's, then waits until the daemon answers.
launch() {
    local d=$1 logd=$2
    unshare -m --propagation private -- sh -ec '
        d=$1
        mkdir -p /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt
        mount --bind "$d/etc" /etc/libvirt
        mount --bind "$d/run" /run/libvirt
        mount --bind "$d/lib" /var/lib/libvirt
        mount --bind "$d/cache" /var/cache/libvirt
        mount --bind "$d/log" /var/log/libvirt
        [ "$2" = yes ] && virtlogd -d --pid-file "$d/virtlogd.pid"
        PATH="$d/bin:$PATH" libvirtd -d -p "$d/libvirtd.pid"
    ' sh "$d" "$logd" || return 1
    local uri="qemu+unix:///system?socket=$d/run/libvirt-sock"
    for _ in $(seq 300); do
        [ -S "$d/run/libvirt-sock" ] && timeout 10 virsh -q -c "$uri" version >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# start_daemon DIR X UUID: prints the URI once the daemon answers with that host UUID.
start_daemon() {
    local dir=$1 x=$2 uuid=$3 d=$1/$2
    stop_daemon "$d"
    rm -rf "${d:?}"/{etc,run,lib,cache,log}
    mkdir -p "$d"/{etc/qemu,run,lib/images,cache/qemu/capabilities,log}
    cat > "$d/etc/libvirtd.conf" <<EOF
host_uuid = "$uuid"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
unix_sock_rw_perms = "0770"
EOF
    cat > "$d/etc/qemu.conf" <<EOF
cgroup_controllers = [ ]
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
EOF
    : > "$d/etc/virtlogd.conf"
    hold_hook "$d"
    # The QEMU capabilities probe costs seconds under TCG; seed it from an earlier run.
    [ -d "$caps_cache" ] && cp -a "$caps_cache/." "$d/cache/qemu/capabilities/" 2>/dev/null
    launch "$d" yes || { echo "lab.sh: daemon $x did not start" >&2; return 1; }
    local uri="qemu+unix:///system?socket=$d/run/libvirt-sock"
    local got; got=$(uuid_of "$uri")
    if [ "$got" != "$uuid" ]; then
        echo "lab.sh: daemon $x answers with host uuid '$got', expected $uuid; its log:" >&2
        tail -5 "$d/log/libvirtd.log" >&2 2>/dev/null
        return 1
    fi
    { virsh -q -c "$uri" pool-define-as default dir --target /var/lib/libvirt/images && virsh -q -c "$uri" pool-start default; } >/dev/null ||
        { echo "lab.sh: daemon $x: the default pool could not be defined" >&2; return 1; }
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
}

# The hold point (see the header). The daemon runs the hook with the guest's XML on stdin, inside its
# mount namespace (DIR is outside the bound directories, so the same path).
hold_hook() {
    local d=$1
    mkdir -p "$d/etc/hooks"
    cat > "$d/etc/hooks/qemu" <<EOF
#!/bin/sh
cat >/dev/null
[ -f '$d/hold' ] || exit 0
read -r g op < '$d/hold'
[ "\$1" = "\$g" ] && [ "\$2" = "\$op" ] || exit 0
daemon=\$(cut -d' ' -f4 /proc/\$\$/stat)
: > '$d/held'
# Until the test lets go or kills the daemon (this shell is then reparented); 10 minutes at most.
i=0
while [ -f '$d/hold' ] && [ "\$(cut -d' ' -f4 /proc/\$\$/stat)" = "\$daemon" ] && [ \$i -lt 6000 ]; do sleep 0.1; i=\$((i+1)); done
exit 0
EOF
    chmod 755 "$d/etc/hooks/qemu"
    # The same hold for a volume the daemon makes with qemu-img (a qcow2 in a dir pool): "FILE qemu-img"
    # holds the `qemu-img create` of .../FILE. Once the daemon is dead the real qemu-img runs anyway, as
    # the child of a killed libvirtd does (systemd's KillMode=process leaves it): the file appears late.
    local real; real=$(command -v qemu-img)
    mkdir -p "$d/bin"
    cat > "$d/bin/qemu-img" <<EOF
#!/bin/sh
if [ "\$1" = create ] && [ -f '$d/hold' ] && read -r v op < '$d/hold' && [ "\$op" = qemu-img ]; then
    for a; do
        case \$a in */"\$v")
            daemon=\$(cut -d' ' -f4 /proc/\$\$/stat)
            : > '$d/held'
            i=0
            while [ -f '$d/hold' ] && [ "\$(cut -d' ' -f4 /proc/\$\$/stat)" = "\$daemon" ] && [ \$i -lt 6000 ]; do sleep 0.1; i=\$((i+1)); done
            break ;;
        esac
    done
fi
exec '$real' "\$@"
EOF
    chmod 755 "$d/bin/qemu-img"
}

upper() { tr '[:lower:]' '[:upper:]' <<<"$1"; }

cmd=${1:-}; shift || true
case $cmd in
    start)
        dir=${1:?DIR}; which=${2:-ab}
        prerequisites
        stop_lab "$dir"
        mkdir -p "$dir/mig"
        chmod 755 "$dir"
        guest_files "$dir"
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
            echo "LAB_A_POOL=$dir/a/lib/images"
            echo "LAB_B_POOL=$([ -n "$b_uri" ] && echo "$dir/b/lib/images")"
            echo "LAB_MIG_DIR=$dir/mig"
            echo "LAB_KERNEL=$dir/guest/vmlinuz"
            echo "LAB_INITRD=$dir/guest/initrd.cpio"
        } | tee "$dir/env"
        ;;
    add)
        dir=${1:?DIR}; x=${2:?X}; uuid=${3:-$(cat /proc/sys/kernel/random/uuid)}
        [[ $x =~ ^[a-z][a-z0-9]*$ ]] || die "daemon names are lower-case letters and digits: $x"
        [ -d "$dir/a" ] || die "$dir has no lab (run lab.sh start first)"
        prerequisites
        uri=$(start_daemon "$dir" "$x" "$uuid") || { stop_daemon "$dir/$x"; die "daemon $x did not start"; }
        X=$(upper "$x")
        printf 'LAB_%s_URI=%s\nLAB_%s_UUID=%s\nLAB_%s_POOL=%s\n' "$X" "$uri" "$X" "$uuid" "$X" "$dir/$x/lib/images"
        ;;
    revive)
        # After daemon X was killed (SIGKILL, as a crash): libvirtd again on X's kept state, as systemd's
        # Restart= does; it reconnects to the guests' QEMUs that outlived it. virtlogd is started only if it died too.
        dir=${1:?DIR}; x=${2:?X}; d=$dir/$x
        [ -d "$d/etc" ] || die "$dir has no daemon $x"
        prerequisites
        p=$(cat "$d/libvirtd.pid" 2>/dev/null)
        [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = libvirtd ] && ! grep -q ') Z ' "/proc/$p/stat" 2>/dev/null &&
            die "daemon $x still runs (pid $p)"
        rm -f "$d/libvirtd.pid"
        logd=yes; q=$(cat "$d/virtlogd.pid" 2>/dev/null)
        [ -n "$q" ] && [ "$(cat "/proc/$q/comm" 2>/dev/null)" = virtlogd ] && logd=no
        launch "$d" "$logd" || die "daemon $x did not come back; its log: $(tail -3 "$d/log/libvirtd.log" 2>/dev/null)"
        ;;
    stop)
        dir=${1:?DIR}
        if [ -n "${2:-}" ]; then stop_daemon "$dir/$2"; rm -rf "${dir:?}/$2"; else stop_lab "$dir"; fi
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
