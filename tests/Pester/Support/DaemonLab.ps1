# Shared by the Pester files that start private libvirt daemons with tests/libvirt/lab.sh (dot-sourced
# in BeforeDiscovery): why this machine cannot run them, or $null when it can.
function Get-DaemonLabSkipReason {
    if ((id -u) -ne '0') { return 'needs root (a system-mode libvirtd)' }
    if ((Get-Command libvirtd, virtlogd, qemu-system-x86_64, qemu-img, unshare -ErrorAction SilentlyContinue | Measure-Object).Count -ne 5) {
        return 'needs libvirt-daemon-system, qemu-system-x86 and qemu-utils'
    }
    if ($(unshare -m --propagation private true 2>$null; $LASTEXITCODE) -ne 0) {
        return 'unshare -m is not allowed here (no CAP_SYS_ADMIN): the daemon needs its own mount namespace'
    }
    $null
}
