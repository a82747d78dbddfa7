#!/bin/bash
# libvirtd.sh: starts libvirtd in the Xen lab's Dom0 (run-dom0.sh; Dom0 has no init system), with the
# libxl driver only, and waits until xen:///system answers. Dom0's root is a tmpfs overlay over the
# host's, so what this removes or writes is gone at power-off and the host never sees it.
# The QEMU, network and nwfilter drivers are left out: the host's libvirt would probe its QEMU binaries
# and start its autostarted networks (dnsmasq, firewall rules) in Dom0, minutes under TCG, for nothing a
# Xen guest test uses. Prints the seconds it took; exit 1 when libvirtd does not answer within $1 s (120).
set -uo pipefail
[ "${VIRTTOOLS_IN_XEN_DOM0:-}" = 1 ] || { echo "libvirtd.sh runs only in the Xen lab's Dom0 (tests/xen/run-dom0.sh)" >&2; exit 2; }
limit=${1:-120}
drivers=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver
[ -f "$drivers/libvirt_driver_libxl.so" ] || { echo "libvirtd.sh: no libxl driver in $drivers" >&2; exit 1; }
rm -f "$drivers/libvirt_driver_qemu.so" "$drivers/libvirt_driver_network.so" "$drivers/libvirt_driver_nwfilter.so"
mkdir -p /var/log/libvirt /run/libvirt /var/lib/libvirt/libxl /var/log/libvirt/libxl
echo 'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"' > /etc/libvirt/libvirtd.conf
SECONDS=0
libvirtd -d -p /run/libvirtd.pid || { echo "libvirtd.sh: libvirtd did not start" >&2; exit 1; }
while [ $SECONDS -lt "$limit" ]; do
    # The socket appears before the drivers are up; virsh answers only once the libxl driver is.
    if [ -S /run/libvirt/libvirt-sock ] && virsh -q -c xen:///system uri >/dev/null 2>&1; then
        echo "libvirtd: xen:///system answers after $SECONDS s (pid $(cat /run/libvirtd.pid))"
        exit 0
    fi
    sleep 1
done
echo "libvirtd.sh: xen:///system did not answer within $limit s; libvirtd's log:" >&2
tail -n 20 /var/log/libvirt/libvirtd.log >&2
exit 1
