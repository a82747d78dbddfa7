# Install boots (install): a guest that New-VMGuest -InstallSource booted with virttools.install=write on its
# command line acts as an installer does: writes what it was told (its /proc/cmdline) to the start of vda,
# the disk it installs onto, then reboots once; the install boot's on_reboot=destroy stops it there. The
# test reads the disk afterwards, since the install boot's console is a pty nothing records.
# Other guests (no such argument) report nothing here.
cmdline=$(cat /proc/cmdline)
case " $cmdline " in
*" virttools.install=write "*)
    echo "cmdline $cmdline"
    if [ -b /dev/vda ] && [ ! -f /tmp/install.done ]; then
        : > /tmp/install.done
        printf 'installed-by %s\n' "$cmdline" | dd of=/dev/vda conv=notrunc,fsync 2>/dev/null
        busybox sync
        echo "installed"
        busybox reboot -f
    fi;;
esac
