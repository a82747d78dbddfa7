#!/usr/bin/env bash
# Records `virt-install --print-xml` for every case in cases.txt into <case>.xml, so the XML tests
# compare against virt-install without needing virtinst. virt-install runs on libvirt's test driver
# (testnode.xml: the PCI device, the pool and its volumes, the network) through its own test hook
# (virtinst/uri.py "__virtinst_test__"), with our capability files standing in for a KVM or Xen host.
# Usage: record.sh [OUTDIR] (default: this directory). Needs virtinst (Debian: virtinst).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here}
common=(--print-xml --osinfo sle15sp4 --import --memory 2048 --vcpus 2 --graphics vnc --sound none --tpm none)
while IFS='|' read -r name kind args; do
    [[ -z $name || $name == \#* ]] && continue
    case $kind in
        kvm) fake=qemu:///system caps=kvm-caps.xml domcaps=kvm-domcaps.xml ;;
        qemu) fake=qemu:///system caps=kvm-caps.xml domcaps=qemu-domcaps.xml ;;
        xen) fake=xen:///system caps=xen-caps.xml domcaps=xen-domcaps.xml ;;
    esac
    uri="__virtinst_test__test://$here/testnode.xml,predictable,fakeuri=$fake,caps=$here/$caps,domcaps=$here/$domcaps"
    # shellcheck disable=SC2086 # args are space-separated on purpose
    virt-install --connect "$uri" "${common[@]}" $args > "$out/$name.xml"
done < "$here/cases.txt"
