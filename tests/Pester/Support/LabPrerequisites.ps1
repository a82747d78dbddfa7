# What the real-daemon Pester files (tests/libvirt/lab.sh) need, asked in BeforeDiscovery: the reason
# this machine cannot run them, or $null when it can.
function Get-LabSkipReason {
    if ((id -u) -ne '0') { return 'needs root (a system-mode libvirtd)' }
    if (-not (Get-Command libvirtd, virtlogd, qemu-system-x86_64, qemu-img, unshare -ErrorAction SilentlyContinue | Measure-Object).Count -eq 5) {
        return 'needs libvirt-daemon-system, qemu-system-x86 and qemu-utils'
    }
    if ($(unshare -m --propagation private true 2>$null; $LASTEXITCODE) -ne 0) {
        return 'unshare -m is not allowed here (no CAP_SYS_ADMIN): the daemon needs its own mount namespace'
    }
    $null = bash (Join-Path $PSScriptRoot ../../qemu/prepare.sh) 2>$null
    if ($LASTEXITCODE -eq 3) { return 'tests/qemu/prepare.sh cannot fetch the test kernel here' }
    $null
}
