using System.Management.Automation;
using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>
/// A cmdlet that changes PCI functions given by -Address: strings with wildcards, by value or by
/// property name from PciDevice objects, completed from the host's addresses.
/// </summary>
public abstract class PciAddressCommandBase : VirtToolsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PciAddress", "Bdf")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PciAddressCompleter))]
    public virtual string[] Address { get; set; } = Array.Empty<string>();

    /// <summary>Every address of -Address, wildcards expanded (sorted) and filtered by <see cref="WildcardFilter"/>; bad text is an error.</summary>
    protected IEnumerable<PciAddress> ExpandAddresses()
    {
        foreach (var text in Address)
            foreach (var a in Expand(text))
                yield return a;
    }

    /// <summary>
    /// Runs a planning function (which only reads); its failure stops this device, not the pipeline:
    /// a refusal becomes its own error (targeting <paramref name="a"/>, or with <paramref name="errorTarget"/>
    /// the object the refusal names, such as a VF), an unreadable sysfs or /proc file HostReadFailed.
    /// </summary>
    protected bool TryPlan<T>(PciAddress a, Func<T> plan, out T result, bool errorTarget = false) where T : class
    {
        result = null!;
        try
        {
            result = plan();
            return true;
        }
        catch (VirtToolsException e)
        {
            WriteError(e, errorTarget ? e.Target ?? a.ToString() : a.ToString());
        }
        catch (HostIOException e)
        {
            WriteError(ToErrorRecord(e, "HostReadFailed", e.Errno is Errno.EACCES or Errno.EPERM ? FailureKind.PermissionDenied : FailureKind.ReadError, a.ToString()));
        }
        return false;
    }

    /// <summary>Which wildcard matches to keep (all by default); literal addresses are never filtered.</summary>
    protected virtual bool WildcardFilter(PciAddress address) => true;

    private IEnumerable<PciAddress> Expand(string text)
    {
        if (WildcardPattern.ContainsWildcardCharacters(text))
        {
            var pattern = new WildcardPattern(text, WildcardOptions.IgnoreCase);
            var matches = new PciDeviceReader(HostContext.Files).ListAddresses().Where(a => pattern.IsMatch(a.ToString())).ToList();
            var kept = matches.Where(WildcardFilter).ToList();
            if (matches.Count == 0) WriteVerbose($"No PCI function matches '{text}'.");
            else if (kept.Count < matches.Count) WriteVerbose($"'{text}' matches {matches.Count} functions; {kept.Count} of them apply here.");
            return kept;
        }
        if (PciAddress.TryParse(text, out var one)) return new[] { one };
        WriteError(new VirtToolsException("InvalidPciAddress", FailureKind.InvalidArgument,
            $"'{text}' is not a PCI address. Use the form DDDD:BB:SS.F, e.g. 0000:03:00.0.", text,
            "Run Get-PciDevice to list the addresses on this host."), text);
        return Array.Empty<PciAddress>();
    }
}
