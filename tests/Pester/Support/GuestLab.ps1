# Shared by the Pester files that boot the lab's test guest on one private daemon (dot-sourced in BeforeAll).

# Starts daemon A of tests/libvirt/lab.sh in DIR and builds the guest initramfs (guest-initramfs.sh, with
# every guest.d area) there. Returns the daemon's URI, the host path of its pool 'default' (the daemon sees
# it as /var/lib/libvirt/images), the test kernel and the initramfs; throws naming the step that failed.
function Start-GuestLab([string] $Dir) {
    $prep = bash (Join-Path $PSScriptRoot ../../qemu/prepare.sh) 2>$null
    $modules = ($prep | Where-Object { $_ -like 'MODULES=*' }) -replace '^MODULES='
    $out = bash (Join-Path $PSScriptRoot ../../libvirt/lab.sh) start $Dir a
    if ($LASTEXITCODE -ne 0) { throw "lab.sh start failed ($LASTEXITCODE): $out" }
    $initrd = Join-Path $Dir 'guest-init.cpio'
    bash (Join-Path $PSScriptRoot ../../libvirt/guest-initramfs.sh) $modules $initrd
    if ($LASTEXITCODE -ne 0) { throw 'guest-initramfs.sh failed' }
    $value = { param($name) ($out | Where-Object { $_ -like "$name=*" }) -replace "^$name=" }
    [pscustomobject]@{ Uri = & $value LAB_A_URI; PoolDir = & $value LAB_A_POOL; Kernel = & $value LAB_KERNEL; Initrd = $initrd }
}
