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
        if (s.MemoryBytes is not null && live is { Balloon: false })
            throw Refuse(Ids.NoBalloon, FailureKind.InvalidOperation,
                $"Guest '{name}' has no memory balloon (memballoon model='none'), so its memory cannot change while it runs.",
                "Use -Persistent to change it for the next boot, and give the guest a virtio memballoon device.");
        PlanSized(MemorySetting(d), name, s.MemoryBytes, s.MaximumMemoryBytes, live, config, steps, warnings, Refuse);
        PlanSized(ProcessorSetting(d), name, s.ProcessorCount, s.MaximumProcessorCount, live, config, steps, warnings, Refuse);
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

    /// <summary>
    /// Memory and vCPUs follow one rule: a current value and a ceiling; the ceiling changes only in the
    /// definition (on a running guest from the next boot), the current value live and in the definition.
    /// </summary>
    private sealed record Sized(
        string Param, string MaxParam, string Noun, string MaxNoun, Func<long, string> Show, string RefusedId,
        string AboveMaximumId, string Advice, string LiveHow, string LiveAdvice,
        Func<Side, long> Current, Func<Side, long> Ceiling, Action<long, bool, DomainModificationFlags> Set);

    private static Sized MemorySetting(ILibvirtDomain d) => new(
        "-MemoryBytes", "-MaximumMemoryBytes", "memory", "maximum memory", Size, Ids.MemoryRefused, Ids.MemoryAboveMaximum,
        "Check the guest's memory with Get-VMGuest and virsh dommemstat.", "(balloon)",
        "The guest needs a balloon driver (virtio_balloon) to give memory back or take more.",
        x => x.Memory, x => x.MaxMemory,
        (v, max, side) => d.SetMemory(v, (DomainMemoryFlags)(uint)side | (max ? DomainMemoryFlags.Maximum : 0)));

    private static Sized ProcessorSetting(ILibvirtDomain d) => new(
        "-ProcessorCount", "-MaximumProcessorCount", "vCPU count", "maximum vCPU count", v => $"{v}", Ids.ProcessorsRefused,
        Ids.ProcessorsAboveMaximum, "Check the guest's vCPUs with Get-VMGuest and virsh vcpucount.", "(hot-plug)",
        "The machine type and the guest must support vCPU hot-plug (q35 or pc with a current QEMU); a guest OS brings new vCPUs " +
        "online itself (udev), or write 1 to /sys/devices/system/cpu/cpuN/online.",
        x => x.Vcpus, x => x.MaxVcpus,
        (v, max, side) => d.SetVcpus((int)v, (DomainVcpuFlags)(uint)side | (max ? DomainVcpuFlags.Maximum : 0)));

    private static void PlanSized(Sized k, string name, long? value, long? maximum, Side? live, Side? config, List<GuestChangeStep> steps,
        List<string> warnings, Func<string, FailureKind, string, string, VirtToolsException> refuse)
    {
        const DomainModificationFlags Live = DomainModificationFlags.Live, Config = DomainModificationFlags.Config;
        if (maximum is long max)
        {
            if (live is not null && max != k.Ceiling(live))
            {
                if (config is null)
                    throw refuse(Ids.MaximumNeedsRestart, FailureKind.InvalidOperation,
                        $"Guest '{name}' is running and its {k.MaxNoun} can change only in its definition, for the next boot.",
                        "Leave out -Live (or use -Persistent) to set it for the next boot.");
                warnings.Add($"Guest '{name}' is running: its {k.MaxNoun} becomes {k.Show(max)} at the next boot.");
            }
            if (config is not null)
            {
                var old = config;
                // libvirt lowers the current value along with a lower ceiling: the undo restores both.
                steps.Add(new GuestChangeStep($"set the {k.MaxNoun} of the definition to {k.Show(max)}", k.RefusedId, k.Advice,
                    () => k.Set(max, true, Config), () => { k.Set(k.Ceiling(old), true, Config); k.Set(k.Current(old), false, Config); }));
            }
        }
        if (value is not long v) return;
        if (live is not null)
        {
            var ceiling = k.Ceiling(live);
            if (v > ceiling)
                throw refuse(k.AboveMaximumId, FailureKind.InvalidArgument,
                    $"{k.Param} {k.Show(v)} is more than running guest '{name}''s maximum of {k.Show(ceiling)}.",
                    $"Raise the maximum for the next boot ({k.MaxParam} {v} -Persistent) and restart it, or give at most {k.Show(ceiling)}.");
            var old = k.Current(live);
            steps.Add(new GuestChangeStep($"set the running guest's {k.Noun} to {k.Show(v)} {k.LiveHow}", k.RefusedId, k.LiveAdvice,
                () => k.Set(v, false, Live), () => k.Set(old, false, Live)));
        }
        if (config is not null)
        {
            var ceiling = maximum ?? k.Ceiling(config);
            if (v > ceiling)
                throw refuse(k.AboveMaximumId, FailureKind.InvalidArgument,
                    $"{k.Param} {k.Show(v)} is more than guest '{name}''s maximum of {k.Show(ceiling)}.",
                    $"Raise the maximum in the same call: {k.MaxParam} {v}");
            var old = k.Current(config);
            steps.Add(new GuestChangeStep($"set the {k.Noun} of the definition to {k.Show(v)}", k.RefusedId, k.Advice,
                () => k.Set(v, false, Config), () => k.Set(old, false, Config)));
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
