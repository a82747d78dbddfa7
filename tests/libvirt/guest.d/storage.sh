# Disks and media (storage): the guest's block devices with their sizes in 512-byte sectors, e.g.
# "block vda=32768 sr0=2048"; a DVD drive without a disc is "sr0=empty". The kernel polls no drive for
# a new medium by itself: opening the drive makes it look, so a disc inserted or ejected from
# outside shows in the next report (an empty drive cannot be opened, and keeps a stale size).
out=block
for b in /sys/block/vd* /sys/block/sr*; do
    [ -e "$b" ] || continue
    n=$(basename "$b")
    case $n in
        sr*) if dd if="/dev/$n" of=/dev/null bs=2048 count=1 2>/dev/null; then out="$out $n=$(cat "$b/size")"; else out="$out $n=empty"; fi ;;
        *) out="$out $n=$(cat "$b/size")" ;;
    esac
done
echo "$out"
