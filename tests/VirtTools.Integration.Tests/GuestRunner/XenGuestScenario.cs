using System.Diagnostics;

namespace VirtTools.Integration.GuestRunner;

/// <summary>
/// A Xen PV guest through libvirt's libxl driver (xen:///system, the default URI on a Dom0): New-VMGuest
/// boots Dom0's own kernel as the guest, and the lifecycle cmdlets run against it, each checked with xl and
/// the guest's console log (xenconsoled writes it). Every guest boot costs about a minute under TCG, so
/// one guest goes through the whole life: boot, suspend/resume, the Xen refusals, reboot, shutdown, power-off, removal.
/// </summary>
public sealed partial class Scenarios
{
    private const string XenGuestName = "xenpv";

    private static string ConsolePath(string name) => $"/var/log/xen/console/guest-{name}.log";

    private static string XenConsole(string name) => Guest.Read(ConsolePath(name)) ?? "";

    /// <summary>The boot ids the guest's init printed, in order: a new one is a new boot.</summary>
    private static string[] XenBoots(string name) =>
        XenConsole(name).Split('\n').Where(l => l.StartsWith("xen guest init: ready", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("boot=", StringComparison.Ordinal) + 5)..].Trim()).ToArray();

    /// <summary>The guest's line of `xl list` (name, id, memory, vcpus, state, time), or null when Xen has no such domain.</summary>
    private static string? XlListLine(string name) =>
        Guest.Run("xl", "list").Output.Split('\n').FirstOrDefault(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() == name);

    private void XenGuest(Scenario s)
    {
        var kernel = System.Environment.GetEnvironmentVariable("VIRTTOOLS_XEN_GUEST_KERNEL");
        var initrd = System.Environment.GetEnvironmentVariable("VIRTTOOLS_XEN_GUEST_INITRD");
        s.Set("kernel", kernel);
        s.Set("initrd", initrd);
        var libvirtd = Guest.Run("bash", "tests/xen/libvirtd.sh", "300");
        s.Set("libvirtd", libvirtd);
        if (libvirtd.ExitCode != 0 || kernel is null || initrd is null) return;

        void Step(string key, string script, params object?[] args)
        {
            var t = Stopwatch.StartNew();
            s.Set(key, _shell.Invoke(script, args));
            s.Set(key + "Seconds", Math.Round(t.Elapsed.TotalSeconds, 1));
        }
        void Wait(string key, Func<bool> done, double seconds) => s.Set(key, Guest.WaitFor(done, seconds));

        const string create = "New-VMGuest -Name $args[0] -Hypervisor Xen -Mode PV -MemoryBytes 128MB -ProcessorCount 1 -Kernel $args[1] " +
                              "-Initrd $args[2] -KernelArguments 'console=hvc0 quiet' -NoNetwork -NoGraphics";
        var name = XenGuestName;
        Step("xml", create + " -XmlOnly", name, kernel, initrd);
        Step("create", create + " -Start -Confirm:$false", name, kernel, initrd);
        Wait("bootSeconds", () => XenBoots(name).Length > 0, 600);
        s.Set("xlAfterCreate", XlListLine(name));
        Step("get", "Get-VMGuest -Name $args[0]", name);

        // Each call, then the guest's line of `xl list` (xlAfterSuspend ...): what Xen itself says about it.
        void Checked(string key, string script)
        {
            Step(key, script, name);
            s.Set("xlAfter" + char.ToUpperInvariant(key[0]) + key[1..], XlListLine(name));
        }
        Checked("suspend", "Suspend-VMGuest -Name $args[0] -PassThru -Confirm:$false");
        Checked("resume", "Resume-VMGuest -Name $args[0] -PassThru -Confirm:$false");

        // What libxl has not: snapshots; and the refusals of a move to the same daemon.
        Step("checkpoint", "Checkpoint-VMGuest -Name $args[0] -SnapshotName s1 -Confirm:$false", name);
        Step("move", "Move-VMGuest -Name $args[0] -DestinationUri xen:///system -IncludeSnapshots -Confirm:$false", name);
        Step("moveOffline", "Move-VMGuest -Name $args[0] -DestinationUri xen:///system -Offline -Confirm:$false", name);
        Step("removeRunning", "Remove-VMGuest -Name $args[0] -Confirm:$false", name);

        // Reboot through libxl's default (xenstore control/shutdown "reboot"): libxl builds the domain again.
        Step("restart", "Restart-VMGuest -Name $args[0] -TimeoutSec 300 -PassThru -Confirm:$false", name);
        Wait("rebootSeconds", () => XenBoots(name).Length > 1, 600);
        s.Set("xlAfterRestart", XlListLine(name));

        Checked("stop", "Stop-VMGuest -Name $args[0] -TimeoutSec 300 -PassThru -Confirm:$false");
        Checked("start", "Start-VMGuest -Name $args[0] -PassThru -Confirm:$false");
        // A hard reset of the booted guest: libxl's reset is a trigger that only an HVM guest has.
        Wait("startBootSeconds", () => XenBoots(name).Length > 2, 600);
        Step("restartTurnOff", "Restart-VMGuest -Name $args[0] -TurnOff -PassThru -Confirm:$false", name);
        Wait("resetBootSeconds", () => XenBoots(name).Length > 3, 600);
        s.Set("xlAfterRestartTurnOff", XlListLine(name));
        s.Set("libxlGuestLogAfterReset", Guest.Read($"/var/log/libvirt/libxl/{name}.log"));
        Checked("turnOff", "Stop-VMGuest -Name $args[0] -TurnOff -PassThru -Confirm:$false");

        Step("remove", "Remove-VMGuest -Name $args[0] -Confirm:$false", name);
        Step("getAfterRemove", "Get-VMGuest -Name $args[0]", name);
        s.Set("console", XenConsole(name));

        // With a framebuffer: libxl needs Xen's qemu in Dom0 to serve a PV guest's vfb; the lab has none.
        const string fb = "xenfb";
        Step("createWithGraphics", "New-VMGuest -Name $args[0] -Hypervisor Xen -Mode PV -MemoryBytes 128MB -ProcessorCount 1 -Kernel $args[1] " +
                                   "-Initrd $args[2] -KernelArguments 'console=hvc0 quiet' -NoNetwork -Start -Confirm:$false", fb, kernel, initrd);
        Step("getAfterGraphics", "Get-VMGuest -Name $args[0]", fb);
        s.Set("xlAfterGraphics", XlListLine(fb));
        s.Set("libxlLog", Guest.Read($"/var/log/libvirt/libxl/{fb}.log"));

        // PVHVM needs Xen's device model (qemu-system-i386 built for Xen), which Debian does not package for 4.17 here.
        Step("createPvhvm", "New-VMGuest -Name $args[0] -Hypervisor Xen -Mode PVHVM -MemoryBytes 128MB -ProcessorCount 1 -NoNetwork -NoGraphics -Start -Confirm:$false", "xenhvm");
        Step("getAfterPvhvm", "Get-VMGuest -Name $args[0]", "xenhvm");

        // A PCI device on pciback for a PV guest: the lab's Xen has no IOMMU, so libxl cannot assign it.
        var nic = PciOfMac("52:54:00:12:34:02");
        s.Set("passThroughNic", nic);
        if (nic is null) return;
        Step("pciEnable", "Enable-VfioDevice -Address $args[0] -Driver pciback -Confirm:$false", nic);
        Step("createWithDevice", create + " -HostDevice $args[3] -Start -Confirm:$false", "xenpci", kernel, initrd, nic);
        Step("getAfterDevice", "Get-VMGuest -Name $args[0]", "xenpci");
        s.Set("xlAfterDevice", XlListLine("xenpci"));
        var driverLog = Guest.Read("/var/log/libvirt/libxl/libxl-driver.log") ?? "";
        s.Set("libxlDriverLogTail", string.Join('\n', driverLog.Split('\n').TakeLast(15)));
        LeaveOnHostDriver(s, nic);
    }
}
