using System.Management.Automation;

namespace VirtTools.Commands;

public sealed partial class NewVMGuestCommand
{
    /// <summary>An install tree or ISO: a directory or ISO on this machine, or an http(s) or file URL (virt-install --location).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? InstallSource { get; set; }

    /// <summary>An ISO of drivers for the installer (SUSE VMDP, virtio-win), attached as one more CD.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DriverMedia { get; set; }

    /// <summary>A URL as given; a path resolved as PowerShell resolves it (the tree is read where PowerShell runs).</summary>
    private string? InstallSourceSpec() =>
        InstallSource is null || System.Text.RegularExpressions.Regex.IsMatch(InstallSource, "^[A-Za-z][A-Za-z0-9+.-]*://") ? InstallSource
            : SessionState.Path.GetUnresolvedProviderPathFromPSPath(InstallSource);
}
