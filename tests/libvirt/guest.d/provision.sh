# Provisioning (provision): the first 16 bytes of vda (the overlay's base image shows through), then
# the NoCloud seed as the kernel's iso9660 driver shows it: the primary volume label, the file names and
# user-data in base64 (report lines are read with "read", which would eat leading blanks).
# One line "seed none" until a CD with a file system appears.
if [ -b /dev/vda ]; then echo "disk $(dd if=/dev/vda bs=16 count=1 2>/dev/null | busybox od -An -tx1 | tr -d ' \n')"; fi
seed=none
for cd in /dev/sr*; do
    [ -b "$cd" ] || continue
    mkdir -p /mnt/seed
    if mount -t iso9660 -o ro "$cd" /mnt/seed 2>/dev/null; then
        if [ -f /mnt/seed/user-data ]; then
            echo "seed label=$(dd if="$cd" bs=1 skip=32808 count=32 2>/dev/null | tr -d " ") files=$(ls /mnt/seed | tr '\n' ',')"
            busybox base64 /mnt/seed/user-data | sed 's/^/user-data /'
            seed=found
        fi
        umount /mnt/seed
    fi
    [ "$seed" = found ] && break
done
[ "$seed" = none ] && echo "seed none"
