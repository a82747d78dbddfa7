# Shared by the snapshot and Move-VMGuest Pester files: guests on libvirt's test driver, in process.
# test:///default keeps its state only while a connection is open, so each file holds one open
# ($script:TestConn) from BeforeAll to AfterAll; the cmdlets' own connections see the same guests.
$script:TestUri = 'test:///default'

function Open-TestDriver {
    $script:TestConn = [VirtTools.Libvirt.LibvirtConnector]::Open($script:TestUri)
}

function Close-TestDriver {
    if ($script:TestConn) { $script:TestConn.Dispose(); $script:TestConn = $null }
}

# A running test-driver guest; -Devices is XML put into <devices>.
function New-TestGuest {
    param([string]$Name, [string]$Devices = "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/$Name.qcow2'/><target dev='vda'/></disk>", [switch]$Stopped)
    $d = $script:TestConn.DefineDomain("<domain type='test'><name>$Name</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='i686'>hvm</type></os><devices>$Devices</devices></domain>", 0)
    if (-not $Stopped) { $d.Start(0) }
    $d
}

function Remove-TestGuest {
    param([string]$Name)
    $d = $script:TestConn.FindDomain($Name)
    if (-not $d) { return }
    # roots only (flag 1), each with its children (flag 1)
    foreach ($s in $d.ListSnapshots(1)) { $s.Delete(1); $s.Dispose() }
    if ($d.IsActive) { $d.Destroy(0) }
    $d.Undefine(0)
    $d.Dispose()
}
