using System.Globalization;
using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Guests;

/// <summary>
/// Set-VMGuest's logic: turns asked settings into a checked <see cref="GuestChangePlan"/>. Everything
/// libvirt would refuse for a reason known in advance (above a maximum, above the host, a name in use, a
/// running guest's ceiling) is refused here, before any call; the calls run live first, then persistent,
/// so a definition that refuses after the running guest changed can be undone.
/// </summary>
public sealed class GuestConfigurator(ILibvirtConnection connection)
{
    public static class Ids
    {
        public const string NothingToSet = "NoSettingGiven";
        public const string InvalidMemory = "InvalidMemorySize";
        public const string InvalidProcessors = "InvalidProcessorCount";
        public const string MemoryAboveMaximum = "MemoryAboveMaximum";
        public const string MemoryAboveHost = "MemoryAboveHost";
        public const string ProcessorsAboveMaximum = "ProcessorCountAboveMaximum";
        public const string ProcessorsAboveHost = "ProcessorCountAboveHost";
        public const string NotRunning = "GuestNotRunning";
        public const string NotPersistent = "GuestNotPersistent";
        public const string MaximumNeedsRestart = "MaximumNeedsRestart";
        public const string NoBalloon = "NoMemoryBalloon";
        public const string RenameRunning = "RenameNeedsShutOff";
        public const string NameInUse = "GuestNameInUse";
        public const string InvalidName = "InvalidGuestName";
        public const string MemoryRefused = "MemoryChangeRefused";
        public const string ProcessorsRefused = "ProcessorChangeRefused";
        public const string DescriptionRefused = "DescriptionChangeRefused";
        public const string AutoStartRefused = "AutoStartChangeRefused";
        public const string RenameRefused = "RenameRefused";
    }

    /// <summary>What one side (the running guest, or its definition) has now.</summary>
    private sealed record Side(long Memory, long MaxMemory, int Vcpus, int MaxVcpus, string? Description, bool Balloon);

    private static Side Read(string xml)
    {
        var root = XDocument.Parse(xml).Root!;
        var def = GuestReader.Definition(root);
        var balloon = (string?)root.Element("devices")?.Element("memballoon")?.Attribute("model") is not "none";
        return new Side(def.MemoryBytes, def.MaximumMemoryBytes, def.ProcessorCount, def.MaximumProcessorCount, def.Description, balloon);
    }

    public GuestChangePlan Plan(ILibvirtDomain d, GuestSettings s, GuestChangeScope scope)
    {
        var name = d.Name;
        VirtToolsException Refuse(string id, FailureKind kind, string message, string advice) => new(id, kind, message, name, advice);
        if (s.IsEmpty)
            throw Refuse(Ids.NothingToSet, FailureKind.InvalidArgument, "No setting was given, so nothing would change.",
                "Give at least one of -MemoryBytes, -MaximumMemoryBytes, -ProcessorCount, -MaximumProcessorCount, -AutoStart, -Description, -NewName.");
        if (s.MemoryBytes is <= 0 || s.MaximumMemoryBytes is <= 0)
            throw Refuse(Ids.InvalidMemory, FailureKind.InvalidArgument, "A guest's memory must be more than 0 bytes.", "Give a size such as 2GB.");
        if (s.ProcessorCount is <= 0 || s.MaximumProcessorCount is <= 0)
            throw Refuse(Ids.InvalidProcessors, FailureKind.InvalidArgument, "A guest needs at least 1 vCPU.", "Give 1 or more.");

        var active = d.IsActive;
        var persistent = d.IsPersistent;
        if (scope == GuestChangeScope.Live && !active)
            throw Refuse(Ids.NotRunning, FailureKind.InvalidOperation, $"Guest '{name}' is not running, so -Live has nothing to change.",
                $"Leave out -Live to change its definition, or start it first: Start-VMGuest {name}");
        if (scope == GuestChangeScope.Persistent && !persistent)
            throw Refuse(Ids.NotPersistent, FailureKind.InvalidOperation, $"Guest '{name}' is transient: it has no definition for -Persistent to change.",
                "Leave out -Persistent to change the running guest only.");
        var live = active && scope != GuestChangeScope.Persistent ? Read(d.GetXml()) : null;
        var config = persistent && scope != GuestChangeScope.Live ? Read(d.GetXml(DomainXmlFlags.Inactive)) : null;

        if (s.NewName is not null) CheckNewName(d, s.NewName, active, persistent, Refuse);
        CheckHost(s, Refuse);

        var steps = new List<GuestChangeStep>();
        var warnings = new List<string>();
        PlanMemory(d, s, live, config, steps, warnings, Refuse);
        PlanProcessors(d, s, live, config, steps, warnings, Refuse);
        if (s.Description is not null) PlanDescription(d, s.Description, live, config, steps);
        if (s.AutoStart is bool auto)
        {
            if (!persistent)
                throw Refuse(Ids.NotPersistent, FailureKind.InvalidOperation, $"Guest '{name}' is transient: libvirt cannot start it with the host.",
                    "Define it first (virsh dumpxml and virsh define), then set -AutoStart.");
            var old = d.Autostart;
            steps.Add(new GuestChangeStep($"set autostart {(auto ? "on" : "off")}", Ids.AutoStartRefused,
                "Check that the libvirt daemon can write its autostart links.", () => d.Autostart = auto, () => d.Autostart = old));
        }
        if (s.NewName is { } newName)
            steps.Add(new GuestChangeStep($"rename to '{newName}'", Ids.RenameRefused, "Check the name with Get-VMGuest and try again.",
                () => d.Rename(newName), () => d.Rename(name)));
        if (active && config is not null && live is null)
            warnings.Add($"Guest '{name}' is running: -Persistent changes its definition only; the changes take effect at the next boot.");
        return new GuestChangePlan(d, steps, warnings);
    }

    private void CheckNewName(ILibvirtDomain d, string newName, bool active, bool persistent,
        Func<string, FailureKind, string, string, VirtToolsException> refuse)
    {
        var name = d.Name;
        if (string.IsNullOrWhiteSpace(newName) || newName.Contains('/') || newName != newName.Trim())
            throw refuse(Ids.InvalidName, FailureKind.InvalidArgument, $"'{newName}' is not a usable guest name.",
                "Use a name without '/' and without leading or trailing spaces.");
        if (active)
            throw refuse(Ids.RenameRunning, FailureKind.InvalidOperation, $"Guest '{name}' is running; libvirt renames only shut-off guests.",
                $"Stop it first: Stop-VMGuest {name}");
        if (!persistent)
            throw refuse(Ids.NotPersistent, FailureKind.InvalidOperation, $"Guest '{name}' is transient; libvirt renames only defined guests.",
                "Define it first (virsh dumpxml and virsh define), then rename it.");
        if (newName == name) return;
        using var other = connection.FindDomain(newName);
        if (other is not null)
            throw refuse(Ids.NameInUse, FailureKind.ResourceExists, $"A guest named '{newName}' already exists on {connection.Uri}.",
                "Pick another name, or remove that guest first (Remove-VMGuest).");
    }

    // One host per connection: read it once for a pipeline of guests.
    private LibvirtNodeInfo? _node;

    private void CheckHost(GuestSettings s, Func<string, FailureKind, string, string, VirtToolsException> refuse)
    {
        if (s.MemoryBytes is null && s.MaximumMemoryBytes is null && s.ProcessorCount is null && s.MaximumProcessorCount is null) return;
        var node = _node ??= connection.GetNodeInfo();
        foreach (var (value, what) in new[] { (s.MemoryBytes, "-MemoryBytes"), (s.MaximumMemoryBytes, "-MaximumMemoryBytes") })
            if (value is long v && node.MemoryBytes > 0 && v > node.MemoryBytes)
                throw refuse(Ids.MemoryAboveHost, FailureKind.InvalidArgument,
                    $"{what} {Size(v)} is more than this host's {Size(node.MemoryBytes)} of memory.", $"Give at most {Size(node.MemoryBytes)}.");
        foreach (var (value, what) in new[] { (s.ProcessorCount, "-ProcessorCount"), (s.MaximumProcessorCount, "-MaximumProcessorCount") })
            if (value is int v && node.Cpus > 0 && v > node.Cpus)
                throw refuse(Ids.ProcessorsAboveHost, FailureKind.InvalidArgument,
                    $"{what} {v} is more than this host's {node.Cpus} logical CPUs.", $"Give at most {node.Cpus}.");
    }

    private static void PlanMemory(ILibvirtDomain d, GuestSettings s, Side? live, Side? config, List<GuestChangeStep> steps,
        List<string> warnings, Func<string, FailureKind, string, string, VirtToolsException> refuse)
    {
        var name = d.Name;
        const string advice = "Check the guest's memory with Get-VMGuest and virsh dommemstat.";
        if (s.MaximumMemoryBytes is long max)
        {
            if (live is not null && max != live.MaxMemory)
            {
                if (config is null)
                    throw refuse(Ids.MaximumNeedsRestart, FailureKind.InvalidOperation,
                        $"Guest '{name}' is running and its maximum memory can change only in its definition, for the next boot.",
                        "Leave out -Live (or use -Persistent) to set it for the next boot.");
                warnings.Add($"Guest '{name}' is running: its maximum memory becomes {Size(max)} at the next boot.");
            }
            if (config is not null)
            {
                var old = config;
                // libvirt lowers the current size along with a lower ceiling: the undo restores both.
                steps.Add(new GuestChangeStep($"set the maximum memory of the definition to {Size(max)}", Ids.MemoryRefused, advice,
                    () => d.SetMemory(max, DomainMemoryFlags.Config | DomainMemoryFlags.Maximum),
                    () => { d.SetMemory(old.MaxMemory, DomainMemoryFlags.Config | DomainMemoryFlags.Maximum); d.SetMemory(old.Memory, DomainMemoryFlags.Config); }));
            }
        }
        if (s.MemoryBytes is not long mem) return;
        if (live is not null)
        {
            if (mem > live.MaxMemory)
                throw refuse(Ids.MemoryAboveMaximum, FailureKind.InvalidArgument,
                    $"-MemoryBytes {Size(mem)} is more than running guest '{name}''s maximum of {Size(live.MaxMemory)}.",
                    $"Raise the maximum for the next boot (-MaximumMemoryBytes {mem} -Persistent) and restart it, or give at most {Size(live.MaxMemory)}.");
            if (!live.Balloon)
                throw refuse(Ids.NoBalloon, FailureKind.InvalidOperation,
                    $"Guest '{name}' has no memory balloon (memballoon model='none'), so its memory cannot change while it runs.",
                    "Use -Persistent to change it for the next boot, and give the guest a virtio memballoon device.");
            var old = live.Memory;
            steps.Add(new GuestChangeStep($"set the running guest's memory to {Size(mem)} (balloon)", Ids.MemoryRefused,
                "The guest needs a balloon driver (virtio_balloon) to give memory back or take more.",
                () => d.SetMemory(mem, DomainMemoryFlags.Live), () => d.SetMemory(old, DomainMemoryFlags.Live)));
        }
        if (config is not null)
        {
            var ceiling = s.MaximumMemoryBytes ?? config.MaxMemory;
            if (mem > ceiling)
                throw refuse(Ids.MemoryAboveMaximum, FailureKind.InvalidArgument,
                    $"-MemoryBytes {Size(mem)} is more than guest '{name}''s maximum of {Size(ceiling)}.",
                    $"Raise the maximum in the same call: -MaximumMemoryBytes {mem}");
            var old = config.Memory;
            steps.Add(new GuestChangeStep($"set the memory of the definition to {Size(mem)}", Ids.MemoryRefused, advice,
                () => d.SetMemory(mem, DomainMemoryFlags.Config), () => d.SetMemory(old, DomainMemoryFlags.Config)));
        }
    }

    private static void PlanProcessors(ILibvirtDomain d, GuestSettings s, Side? live, Side? config, List<GuestChangeStep> steps,
        List<string> warnings, Func<string, FailureKind, string, string, VirtToolsException> refuse)
    {
        var name = d.Name;
        const string advice = "Check the guest's vCPUs with Get-VMGuest and virsh vcpucount.";
        if (s.MaximumProcessorCount is int max)
        {
            if (live is not null && max != live.MaxVcpus)
            {
                if (config is null)
                    throw refuse(Ids.MaximumNeedsRestart, FailureKind.InvalidOperation,
                        $"Guest '{name}' is running and its maximum vCPU count can change only in its definition, for the next boot.",
                        "Leave out -Live (or use -Persistent) to set it for the next boot.");
                warnings.Add($"Guest '{name}' is running: its maximum vCPU count becomes {max} at the next boot.");
            }
            if (config is not null)
            {
                var old = config;
                steps.Add(new GuestChangeStep($"set the maximum vCPU count of the definition to {max}", Ids.ProcessorsRefused, advice,
                    () => d.SetVcpus(max, DomainVcpuFlags.Config | DomainVcpuFlags.Maximum),
                    () => { d.SetVcpus(old.MaxVcpus, DomainVcpuFlags.Config | DomainVcpuFlags.Maximum); d.SetVcpus(old.Vcpus, DomainVcpuFlags.Config); }));
            }
        }
        if (s.ProcessorCount is not int n) return;
        if (live is not null)
        {
            if (n > live.MaxVcpus)
                throw refuse(Ids.ProcessorsAboveMaximum, FailureKind.InvalidArgument,
                    $"-ProcessorCount {n} is more than running guest '{name}''s maximum of {live.MaxVcpus} vCPUs.",
                    $"Raise the maximum for the next boot (-MaximumProcessorCount {n} -Persistent) and restart it, or give at most {live.MaxVcpus}.");
            var old = live.Vcpus;
            steps.Add(new GuestChangeStep($"set the running guest's vCPUs to {n} (hot-plug)", Ids.ProcessorsRefused,
                "The machine type and the guest must support vCPU hot-plug (q35 or pc with a current QEMU); a guest OS brings new vCPUs online itself (udev), or write 1 to /sys/devices/system/cpu/cpuN/online.",
                () => d.SetVcpus(n, DomainVcpuFlags.Live), () => d.SetVcpus(old, DomainVcpuFlags.Live)));
        }
        if (config is not null)
        {
            var ceiling = s.MaximumProcessorCount ?? config.MaxVcpus;
            if (n > ceiling)
                throw refuse(Ids.ProcessorsAboveMaximum, FailureKind.InvalidArgument,
                    $"-ProcessorCount {n} is more than guest '{name}''s maximum of {ceiling} vCPUs.",
                    $"Raise the maximum in the same call: -MaximumProcessorCount {n}");
            var old = config.Vcpus;
            steps.Add(new GuestChangeStep($"set the vCPU count of the definition to {n}", Ids.ProcessorsRefused, advice,
                () => d.SetVcpus(n, DomainVcpuFlags.Config), () => d.SetVcpus(old, DomainVcpuFlags.Config)));
        }
    }

    private static void PlanDescription(ILibvirtDomain d, string text, Side? live, Side? config, List<GuestChangeStep> steps)
    {
        var value = text.Length == 0 ? null : text;
        foreach (var (side, flag, what) in new[] { (live, DomainModificationFlags.Live, "running guest's"), (config, DomainModificationFlags.Config, "definition's") })
        {
            if (side is null) continue;
            var old = side.Description;
            steps.Add(new GuestChangeStep(value is null ? $"remove the {what} description" : $"set the {what} description", Ids.DescriptionRefused,
                "Check the guest with Get-VMGuest.", () => d.SetMetadata(DomainMetadataType.Description, value, flag),
                () => d.SetMetadata(DomainMetadataType.Description, old, flag)));
        }
    }

    /// <summary>Sizes as admins read them: MiB below 1 GiB, else GiB with up to two decimals.</summary>
    public static string Size(long bytes) => bytes < 1L << 30
        ? string.Format(CultureInfo.InvariantCulture, "{0:0.##} MiB", bytes / (double)(1 << 20))
        : string.Format(CultureInfo.InvariantCulture, "{0:0.##} GiB", bytes / (double)(1L << 30));
}
