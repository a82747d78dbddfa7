# Sourced by tests/qemu/run-guest.sh and tests/xen/run-dom0.sh.
# write_guest_command FILE COMMAND...: the script the guest's init runs, in the host's current directory,
# with the variables named in VIRTTOOLS_QEMU_PASSENV exported and COMMAND quoted as given.
write_guest_command() {
    local file=$1 v
    shift
    {
        echo "cd $(printf %q "$PWD") || exit 126"
        for v in ${VIRTTOOLS_QEMU_PASSENV:-}; do
            [ -n "${!v+x}" ] && echo "export $v=$(printf %q "${!v}")"
        done
        printf 'exec'
        printf ' %q' "$@"
        echo
    } > "$file"
}
