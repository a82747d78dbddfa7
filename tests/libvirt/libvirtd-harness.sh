#!/usr/bin/env bash
# A private libvirtd + virtlogd with the QEMU driver, for the guest tests. They run in their own mount
# namespace (unshare -m) where /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and
# /var/log/libvirt are bind mounts of DIR/{etc,run,lib,cache,log}, so they never meet another libvirtd
# on the machine (nor its guests, networks, pools, sockets or cgroups). The socket is reachable from
# the host at DIR/run/libvirt-sock: URI qemu+unix:///system?socket=DIR/run/libvirt-sock.
#
#   libvirtd-harness.sh start DIR   -> prints URI=..., POOL=..., PIDS=...; exit 3 when not possible here
#   libvirtd-harness.sh stop DIR    -> stops its guests' QEMU, libvirtd and virtlogd by the pids it recorded
#
# Pitfalls (../../shared/recipes/libvirt-migration-one-host.sh): without systemd two daemons would share
# cgroup paths (cgroup_controllers = []); a stale socket makes the new daemon fail; QEMU runs as root
# with no security driver so it reads the test kernel from the cache and the pool under DIR.
set -uo pipefail
cmd=${1:-}; W=${2:-}
[[ -n $cmd && -n $W ]] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
comm_of() { cat "/proc/$1/comm" 2>/dev/null; }

stop() {
    # Our guests first: QEMU pid files written by our daemon, checked by name before the kill.
    for pf in "$W"/run/qemu/*.pid; do
        [[ -f $pf ]] || continue
        p=$(cat "$pf"); [[ $(comm_of "$p") == qemu-system-* ]] && kill "$p" 2>/dev/null
    done
    for pf in "$W/libvirtd.pid" "$W/virtlogd.pid"; do
        [[ -f $pf ]] || continue
        p=$(cat "$pf")
        case $(comm_of "$p") in libvirtd|virtlogd) kill "$p" 2>/dev/null ;; esac
    done
    for _ in $(seq 50); do
        alive=0
        for pf in "$W/libvirtd.pid" "$W/virtlogd.pid"; do
            [[ -f $pf ]] && kill -0 "$(cat "$pf")" 2>/dev/null && alive=1
        done
        ((alive)) || break
        sleep 0.1
    done
    rm -f "$W/libvirtd.pid" "$W/virtlogd.pid"
}

case $cmd in
stop) stop; exit 0 ;;
start) ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac

[[ $(id -u) == 0 ]] || { echo "libvirtd-harness: needs root (a system-mode libvirtd)" >&2; exit 3; }
for p in libvirtd virtlogd unshare qemu-system-x86_64 qemu-img virsh; do
    command -v $p >/dev/null || { echo "libvirtd-harness: $p not installed (apt-get install libvirt-daemon-system qemu-system-x86 qemu-utils)" >&2; exit 3; }
done
[[ -d /etc/libvirt ]] || { echo "libvirtd-harness: /etc/libvirt missing" >&2; exit 3; }

stop
rm -rf "$W"/{etc,run,lib,cache,log}
mkdir -p "$W"/{etc,run,lib,cache/qemu/capabilities,log,pool}
chmod 755 "$W"
cp -a /etc/libvirt/. "$W/etc/"
# Nothing of the machine's own libvirt: no guests, autostart networks or pools.
rm -rf "$W"/etc/qemu/*.xml "$W"/etc/qemu/autostart "$W"/etc/qemu/networks/autostart "$W"/etc/storage
cat >> "$W/etc/libvirtd.conf" <<CONF
host_uuid = "$(cat /proc/sys/kernel/random/uuid)"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
cat >> "$W/etc/qemu.conf" <<CONF
cgroup_controllers = [ ]
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
remember_owner = 0
CONF
cp -a /var/cache/libvirt/qemu/capabilities/. "$W/cache/qemu/capabilities/" 2>/dev/null

if ! unshare -m --propagation private -- sh -ec '
    W=$1
    mount --bind "$W/etc" /etc/libvirt
    mount --bind "$W/run" /run/libvirt
    mount --bind "$W/lib" /var/lib/libvirt
    mount --bind "$W/cache" /var/cache/libvirt
    mount --bind "$W/log" /var/log/libvirt
    virtlogd -d --pid-file "$W/virtlogd.pid"
    libvirtd -d -p "$W/libvirtd.pid"
' sh "$W"; then
    echo "libvirtd-harness: the daemons did not start (unshare -m needs CAP_SYS_ADMIN)" >&2
    stop; exit 3
fi
URI="qemu+unix:///system?socket=$W/run/libvirt-sock"
for _ in $(seq 300); do
    [[ -S $W/run/libvirt-sock ]] && timeout 5 virsh -q -c "$URI" version >/dev/null 2>&1 && break
    sleep 0.1
done
if ! timeout 10 virsh -q -c "$URI" version >/dev/null 2>&1; then
    echo "libvirtd-harness: libvirtd did not answer on $W/run/libvirt-sock; log:" >&2
    tail -5 "$W/log/libvirtd.log" >&2 2>/dev/null
    stop; exit 1
fi
virsh -q -c "$URI" pool-define-as default dir --target "$W/pool" >/dev/null &&
    virsh -q -c "$URI" pool-start default >/dev/null || { echo "libvirtd-harness: pool-define failed" >&2; stop; exit 1; }
echo "URI=$URI"
echo "POOL=$W/pool"
echo "PIDS=$(cat "$W/libvirtd.pid") $(cat "$W/virtlogd.pid")"
