@{
    RootModule           = 'bin/VirtTools.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f3c3e-6f0e-4d8a-9a53-0c7e1d2b9f41'
    Author               = 'VirtTools developers'
    CompanyName          = 'VirtTools'
    Copyright            = '(c) VirtTools developers. All rights reserved.'
    Description          = 'Linux virtualization host (KVM, Xen) inventory and PCI pass-through: capabilities, PCI devices, IOMMU groups, vfio-pci binding, SR-IOV.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('VirtTools.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-PciDevice'
        'Get-IommuGroup'
        'Get-VHSCapability'
        'Test-VHSRequirement'
        'Enable-VfioDevice'
        'Disable-VfioDevice'
        'Set-SriovVfCount'
        'Get-SriovVf'
        'Set-SriovVf'
        # host configuration
        'Get-VHSKernelParameter'
        'Set-VHSKernelParameter'
        'Remove-VHSKernelParameter'
        'Enable-VHSIommu'
        'Get-VHSKernelModule'
        'Import-VHSKernelModule'
        'Set-VHSKernelModuleOption'
        'Test-VHSConfiguration'
        'Set-VHSVfioBootBinding'
        'New-VMGuest'
        'Get-VMGuest'
        'Start-VMGuest'
        'Stop-VMGuest'
        'Restart-VMGuest'
        'Suspend-VMGuest'
        'Resume-VMGuest'
        'Remove-VMGuest'
        'Add-VMGuestHostDevice'
        'Remove-VMGuestHostDevice'
        # snapshots and migration (issue 12)
        'Checkpoint-VMGuest'
        'Get-VMGuestSnapshot'
        'Restore-VMGuestSnapshot'
        'Remove-VMGuestSnapshot'
        'Move-VMGuest'
        'Set-VMGuest'
        # monitoring (issue 17)
        'Get-VHSResource'
        'Measure-VMGuest'
        'Wait-VMGuest'
        # disks and media (issue 17)
        'Get-VMGuestDisk'
        'Add-VMGuestDisk'
        'Remove-VMGuestDisk'
        'Resize-VMGuestDisk'
        'Set-VMGuestDvdDrive'
        # guest NICs and libvirt networks (issue 17 item 4)
        'Get-VMGuestNetworkAdapter'
        'Add-VMGuestNetworkAdapter'
        'Remove-VMGuestNetworkAdapter'
        'Set-VMGuestNetworkAdapter'
        'Get-VMNetwork'
        'Copy-VMGuest'
        # libvirt networks, storage pools and volumes (issue 18 items 4 and 5)
        'New-VMNetwork'
        'Remove-VMNetwork'
        'Start-VMNetwork'
        'Stop-VMNetwork'
        'Get-VMNetworkLease'
        'Get-VMStoragePool'
        'New-VMStoragePool'
        'Remove-VMStoragePool'
        'Get-VMStorageVolume'
        'New-VMStorageVolume'
        'Remove-VMStorageVolume'
        # provisioning: volumes uploaded into pools (issue 18 item 5)
        'Import-VMStorageVolume'
        # libvirt connections kept open for the session (issue 22 goal 4)
        'Connect-VHSLibvirt'
        'Get-VHSLibvirtConnection'
        'Disconnect-VHSLibvirt'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('PSEdition_Core', 'Linux', 'KVM', 'Xen', 'libvirt', 'VFIO', 'SR-IOV', 'IOMMU', 'virtualization')
            ProjectUri = 'https://github.com/virttools/virttools'
        }
    }
}
