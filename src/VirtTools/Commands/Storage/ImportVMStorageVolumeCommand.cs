using System.Management.Automation;
using VirtTools.Storage;

namespace VirtTools.Commands;

/// <summary>Copies a local image file into a storage pool through libvirt's upload stream, so it works against a remote host too.</summary>
[Cmdlet(VerbsData.Import, "VMStorageVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = VirtToolsCmdlet.HelpBase + "Import-VMStorageVolume.md")]
[OutputType(typeof(ImportedStorageVolume))]
public sealed class ImportVMStorageVolumeCommand : GuestCmdletBase
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>The local file (on the machine running PowerShell).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string StoragePool { get; set; } = "";

    /// <summary>The new volume's name; default: the file's name.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>qcow2, raw or iso; default: probed from the file's header.</summary>
    [Parameter]
    [ValidateSet("qcow2", "raw", "iso", IgnoreCase = true)]
    public string? Format { get; set; }

    protected override void ProcessRecord()
    {
        var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        var name = Name ?? System.IO.Path.GetFileName(full);
        FileStream file;
        try { file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new VirtToolsException(e is FileNotFoundException or DirectoryNotFoundException ? "SourceFileNotFound" : "SourceFileNotReadable",
                e is UnauthorizedAccessException ? FailureKind.PermissionDenied : FailureKind.ObjectNotFound,
                $"{full} cannot be read: {e.Message} Nothing was imported.", full, "Give the path of a readable image file on this machine."), full);
            return;
        }
        using (file)
        {
            var c = Connection();
            var importer = new VolumeImporter(c);
            VolumeImportPlan plan;
            try
            {
                var head = new byte[36 * 1024];
                var n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
                file.Position = 0;
                plan = importer.Plan(StoragePool, name, full, head.AsSpan(0, n), file.Length, Format);
            }
            catch (VirtToolsException e) { WriteError(e, name); return; }
            if (!ShouldProcess($"volume '{name}' in storage pool '{StoragePool}' on {c.Uri}",
                    $"Create a {plan.Format} volume {plan.Path} and upload {full} ({plan.Length} bytes) into it")) return;
            var progress = new ProgressRecord(1, $"Import-VMStorageVolume {name}", $"Uploading {full} to {c.Uri}");
            var lastPercent = -1;
            try
            {
                var result = importer.Import(plan, file, full, sent =>
                {
                    var percent = plan.Length == 0 ? 100 : (int)(sent * 100 / plan.Length);
                    if (percent == lastPercent) return;
                    lastPercent = percent;
                    progress.PercentComplete = percent;
                    progress.StatusDescription = $"{sent >> 20} of {plan.Length >> 20} MiB";
                    WriteProgress(progress);
                }, _stop.Token);
                WriteObject(result);
            }
            catch (VirtToolsException e) { WriteError(e, name); }
            catch (IOException e)
            {
                WriteError(new VirtToolsException("SourceFileNotReadable", FailureKind.ReadError, $"Reading {full} failed: {e.Message} The half-made volume was deleted.",
                    full, "Check the file and try again.", e), full);
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        }
    }

    /// <summary>Ctrl+C: the upload stops between chunks and deletes its volume, over the connection it still needs.</summary>
    protected override void StopProcessing() => _stop.Cancel();
}
