using VirtTools.Host;

namespace VirtTools.Libvirt;

/// <summary>Opens libvirt connections: the seam the cmdlets go through, and the default URI rule.</summary>
public static class LibvirtConnector
{
    public const string UriVariable = "LIBVIRT_DEFAULT_URI";

    /// <summary>
    /// Test hook: when set, <see cref="Open"/> returns what it gives (a decorated test-driver
    /// connection that fails on cue). Nothing in the product sets it.
    /// </summary>
    public static Func<string, ILibvirtConnection>? Override { get; set; }

    /// <summary>
    /// A connection to <paramref name="uri"/> that the caller disposes: a lease on the session's kept one when
    /// Connect-VHSLibvirt kept that URI (<see cref="KeptLibvirtConnections"/>), else a new one.
    /// </summary>
    public static ILibvirtConnection Open(string uri) =>
        Override?.Invoke(uri) ?? KeptLibvirtConnections.Lease(uri) ?? NativeConnection.Open(uri);

    /// <summary>
    /// LIBVIRT_DEFAULT_URI, else xen:///system on a Xen Dom0 (/proc/xen/capabilities holds
    /// control_d), else qemu:///system. Read per call, like VIRTTOOLS_ROOT.
    /// </summary>
    public static string DefaultUri(IHostFileSystem files)
    {
        var env = Environment.GetEnvironmentVariable(UriVariable);
        if (!string.IsNullOrWhiteSpace(env)) return env.Trim();
        return IsXenDom0(files) ? "xen:///system" : "qemu:///system";
    }

    internal static bool IsXenDom0(IHostFileSystem files)
    {
        try { return files.FileExists("/proc/xen/capabilities") && files.ReadAllText("/proc/xen/capabilities").Contains("control_d", StringComparison.Ordinal); }
        catch (HostIOException) { return false; }
    }

    /// <summary>The libvirt library's version (major*1,000,000 + minor*1,000 + micro).</summary>
    public static ulong LibraryVersion()
    {
        LibvirtNative.EnsureInitialized();
        if (LibvirtNative.virGetVersion(out var v, IntPtr.Zero, IntPtr.Zero) < 0)
            throw LibvirtException.FromLastError("virGetVersion", (object?)null);
        return v;
    }
}
