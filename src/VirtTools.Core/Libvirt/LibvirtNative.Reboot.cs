namespace VirtTools.Libvirt;

internal static unsafe partial class LibvirtNative
{
    public const int DomainEventIdLifecycle = 0;   // VIR_DOMAIN_EVENT_ID_LIFECYCLE
    public const int DomainEventIdReboot = 1;      // VIR_DOMAIN_EVENT_ID_REBOOT
    public const int DomainEventStopped = 5;       // VIR_DOMAIN_EVENT_STOPPED

    [System.Runtime.InteropServices.DllImport(Lib)] public static extern int virEventRegisterDefaultImpl();
    [System.Runtime.InteropServices.DllImport(Lib)] public static extern int virEventRunDefaultImpl();
    [System.Runtime.InteropServices.DllImport(Lib)] public static extern int virConnectDomainEventRegisterAny(ConnectHandle conn, DomainHandle dom, int eventId,
        IntPtr callback, IntPtr opaque, IntPtr freeCallback);
    [System.Runtime.InteropServices.DllImport(Lib)] public static extern int virConnectDomainEventDeregisterAny(ConnectHandle conn, int callbackId);
}
