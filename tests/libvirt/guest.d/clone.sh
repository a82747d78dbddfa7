# Copy-VMGuest (clone): who this guest is and what its first disk holds. The SMBIOS UUID is the one
# libvirt gave the domain; "head" is the first 8 bytes of vda (the base's pattern through an overlay).
# Only with vtclone on the kernel command line does the guest also write a mark at 1 MiB of vda, once,
# so that the test can show the write went to the clone's overlay and left the base as it was.
uuid=$(cat /sys/class/dmi/id/product_uuid 2>/dev/null || echo none)
head=none
if [ -b /dev/vda ]; then
    head=$(dd if=/dev/vda bs=8 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')
    if grep -qw vtclone /proc/cmdline && [ ! -e /tmp/clone.written ]; then
        printf 'CLONEMARK' | dd of=/dev/vda bs=1M seek=1 conv=notrunc 2>/dev/null && sync && : > /tmp/clone.written
    fi
fi
mark=$( [ -e /tmp/clone.written ] && echo written || echo none )
echo "uuid=$uuid head=$head mark=$mark"
