using System.Runtime.InteropServices;

namespace VirtTools.Capability;

/// <summary>
/// Asks the kernel with faccessat(AT_EACCESS): it weighs the effective uid, every supplementary
/// group, ACLs and capabilities, which mode bits alone cannot (libvirt's check is access(R_OK|W_OK)).
/// Meaningful only on the live root; a capture's owners and modes belong to another machine.
/// </summary>
public sealed class LiveDeviceAccessProbe : IDeviceAccessProbe
{
    private const int AtFdCwd = -100;
    private const int AtEAccess = 0x200;
    private const int ReadWrite = 4 | 2;

    [DllImport("libc", EntryPoint = "faccessat", SetLastError = true)]
    private static extern int FAccessAt(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode, int flags);

    public bool? CanReadWrite(string hostPath)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try { return FAccessAt(AtFdCwd, hostPath, ReadWrite, AtEAccess) == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }
}
