# Set-VMGuest (day2-config). A hot-added vCPU arrives present but offline; on a full system udev's
# rule onlines it, and here this stands in for udev. Then what the tests read: the online CPUs and
# the memory the balloon leaves the guest.
for f in /sys/devices/system/cpu/cpu[0-9]*/online; do
    [ -f "$f" ] && [ "$(cat "$f")" = 0 ] && echo 1 > "$f"
done
echo "cpus online $(cat /sys/devices/system/cpu/online)"
echo "memtotal $(grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2) kB"
