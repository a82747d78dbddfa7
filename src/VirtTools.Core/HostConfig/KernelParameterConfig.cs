using System.Text.RegularExpressions;
using VirtTools.Capability;
using VirtTools.Host;

namespace VirtTools.HostConfig;

/// <summary>Reads and changes the kernel parameters of the next boot through the detected boot loader.</summary>
public sealed class KernelParameterConfig
{
    public const string ProcCmdline = "/proc/cmdline";
    /// <summary>Longer than any parameter the kernel knows; the whole command line is 2048 bytes on x86.</summary>
    public const int MaxNameLength = 128;

    private readonly HostContext _host;
    private BootLoader? _bootLoader;

    public KernelParameterConfig(HostContext host) => _host = host;

    public BootLoader BootLoader => _bootLoader ??= BootLoader.Detect(_host.Files);

    /// <summary>The running kernel's parameters; null when /proc/cmdline is not in the root.</summary>
    public KernelCommandLine? Running() =>
        HostPath.TryReadText(_host.Files, ProcCmdline) is { } text ? KernelCommandLine.Parse(text) : null;

    /// <summary>The next boot's parameters with the variable each one is in, in the order the kernel gets them.</summary>
    public IReadOnlyList<(KernelParameter Parameter, CommandLineSource Source)> Configured(List<string>? notes = null)
    {
        var list = new List<(KernelParameter, CommandLineSource)>();
        foreach (var s in BootLoader.ReadSources(_host.Files))
        {
            if (s.Value is null)
            {
                notes?.Add($"{s.Where} (line {s.Assignment?.Line}) depends on shell expansions; its parameters are not shown.");
                continue;
            }
            foreach (var a in CommandLineText.Arguments(s.Value)) list.Add((a.Parameter, s));
        }
        return list;
    }

    /// <summary>
    /// Running and configured parameters side by side: equal name and value give one Both entry,
    /// a parameter whose value differs gives one Configured and one Running entry.
    /// </summary>
    public IReadOnlyList<KernelParameterSetting> Read(List<string> notes)
    {
        var running = Running();
        if (running is null) notes.Add($"{ProcCmdline} is not in this root: only the configured parameters are shown.");
        var runningLeft = running?.Parameters.ToList() ?? new List<KernelParameter>();
        var result = new List<KernelParameterSetting>();
        IReadOnlyList<(KernelParameter Parameter, CommandLineSource Source)> configured;
        string? kind = null;
        try
        {
            configured = Configured(notes);
            kind = BootLoader.Kind.ToString();
        }
        catch (VirtToolsException e) when (e.ErrorId is "BootLoaderNotSupported" or "BootConfigUnreadable" or "UnsupportedBootConfigSyntax")
        {
            notes.Add(e.Message.Replace(" Nothing was written.", "") + " Only the running parameters are shown.");
            configured = Array.Empty<(KernelParameter, CommandLineSource)>();
        }
        foreach (var (p, s) in configured)
        {
            var i = runningLeft.FindIndex(r => KernelCommandLine.NameEquals(r.Name, p.Name) && r.Value == p.Value);
            if (i >= 0) runningLeft.RemoveAt(i);
            result.Add(new KernelParameterSetting
            {
                Name = p.Name, Value = p.Value, File = s.File, Variable = s.Variable, BootLoader = kind,
                Source = i >= 0 ? KernelParameterSource.Both : KernelParameterSource.Configured,
            });
        }
        foreach (var r in runningLeft)
            result.Add(new KernelParameterSetting { Name = r.Name, Value = r.Value, File = ProcCmdline, Source = KernelParameterSource.Running, BootLoader = kind });
        return result;
    }

    public static void ValidateName(string name)
    {
        if (!InputText.IsPlain(name, "_.-", MaxNameLength))
            throw new VirtToolsException("InvalidKernelParameter", FailureKind.InvalidArgument,
                $"'{InputText.Shown(name)}' is not a kernel parameter name: names are letters, digits, '_', '-' and '.' (module.parameter), at most {MaxNameLength} characters, without '=', spaces or control characters. Nothing was written.",
                name, "Give the name and the value separately: -Name intel_iommu -Value on.");
    }

    public static void ValidateValue(string name, string? value)
    {
        if (value is null) return;
        // An index, not FirstOrDefault: default(char) is NUL, which is itself one of the characters refused.
        var at = Array.FindIndex(value.ToCharArray(), c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '\\' or '$' or '`' or ';');
        var bad = at < 0 ? ' ' : value[at];
        if (value.Length > 1024)
            throw new VirtToolsException("InvalidKernelParameterValue", FailureKind.InvalidArgument,
                $"The value of {name} is {value.Length} characters long; the whole kernel command line holds 2048 on x86. Nothing was written.",
                InputText.Shown(value), "Give a value the kernel can take.");
        if (value.Length == 0 || at >= 0)
            throw new VirtToolsException("InvalidKernelParameterValue", FailureKind.InvalidArgument,
                value.Length == 0
                    ? $"The value of {name} is empty. Nothing was written."
                    : $"The value '{InputText.Shown(value)}' of {name} contains {InputText.Describe(bad)}, which VirtTools does not write into a boot loader file (quoting rules differ between the shell, GRUB and the kernel). Nothing was written.",
                value, value.Length == 0 ? "Omit -Value for a flag such as 'quiet'." : $"Edit {name} by hand if it really needs spaces or quotes.");
    }

    /// <summary>One change of the next boot's parameters: set name=value (or the flag), or remove it.</summary>
    public sealed record Edit(string Name, string? Value, bool Remove = false);

    /// <summary>Plans <c>name=value</c> (or the bare flag when value is null) for the next boot.</summary>
    public ConfigChangeSet PlanSet(string name, string? value) => Plan(new[] { new Edit(name, value) });

    /// <summary>Plans the removal of every occurrence of <paramref name="name"/> (only those with <paramref name="value"/> when given).</summary>
    public ConfigChangeSet PlanRemove(string name, string? value = null) => Plan(new[] { new Edit(name, value, Remove: true) });

    /// <summary>Plans several edits of the one boot loader file, applied in order, with one regeneration.</summary>
    public ConfigChangeSet Plan(IEnumerable<Edit> edits)
    {
        var list = edits.ToList();
        foreach (var e in list)
        {
            ValidateName(e.Name);
            if (!e.Remove) ValidateValue(e.Name, e.Value);
        }
        var bl = BootLoader;
        var set = new ConfigChangeSet();
        var original = bl.ReadSources(_host.Files)[0].FileText;
        var text = original;
        foreach (var e in list)
            text = e.Remove ? RemoveFrom(bl, text, e.Name, e.Value, set) : SetIn(bl, text, e.Name, e.Value, set);
        Finish(set, bl, original, text);
        return set;
    }

    private static string SetIn(BootLoader bl, string text, string name, string? value, ConfigChangeSet set)
    {
        if (KernelCommandLine.NameEquals(name, "vfio-pci.ids") || KernelCommandLine.NameEquals(name, "vfio_pci.ids"))
            set.Warnings.Add("vfio-pci.ids= captures every device with those IDs, including identical ones the host needs; Enable-VfioDevice -Persist binds one address.");
        var sources = bl.SourcesOf(text);
        var found = Occurrences(sources, name);
        var arg = value is null ? name : $"{name}={value}";
        if (found.Count > 0 && found.All(o => o.Argument.Parameter.Value == value))
        {
            set.Notes.Add($"{arg} is already configured in {string.Join(", ", found.Select(o => sources[o.Source].Where).Distinct())}; nothing to change.");
            return text;
        }
        foreach (var d in sources.Where(s => s.Value is null))
            set.Warnings.Add($"{d.Where} depends on shell expansions; if it also sets {name}, the kernel gets both.");
        if (found.Count == 0)
            return EditSource(bl, text, sources.Count - 1, v => CommandLineText.Append(v, arg));
        // The last occurrence is the one the kernel acts on: its value changes in place, the others go.
        var keep = found[^1];
        var keptName = keep.Argument.Parameter.Name;
        foreach (var si in found.Select(o => o.Source).Distinct().ToArray())
            text = EditSource(bl, text, si, v => EditOccurrences(v, name, si == keep.Source ? keep.Index : -1,
                value is null ? keptName : $"{keptName}={value}", null));
        if (found.Count > 1)
            set.Notes.Add($"{name} occurred {found.Count} times; the last one now reads {arg} and the others were removed.");
        return text;
    }

    private static string RemoveFrom(BootLoader bl, string text, string name, string? value, ConfigChangeSet set)
    {
        var sources = bl.SourcesOf(text);
        var found = Occurrences(sources, name).Where(o => value is null || o.Argument.Parameter.Value == value).ToList();
        foreach (var d in sources.Where(s => s.Value is null))
            set.Warnings.Add($"{d.Where} depends on shell expansions; VirtTools cannot see whether it sets {name}.");
        if (found.Count == 0)
        {
            set.Notes.Add($"{(value is null ? name : $"{name}={value}")} is not configured in {bl.ConfigFile}; nothing to remove.");
            return text;
        }
        foreach (var si in found.Select(o => o.Source).Distinct().ToArray())
            text = EditSource(bl, text, si, v => EditOccurrences(v, name, -1, null, value));
        return text;
    }

    private static void Finish(ConfigChangeSet set, BootLoader bl, string original, string text)
    {
        if (text == original) return;
        set.Files.Add(new FileChange(bl.ConfigFile, original, text));
        set.Commands.AddRange(bl.Regenerate);
    }

    private readonly record struct Occurrence(int Source, int Index, CommandLineText.Argument Argument);

    private static List<Occurrence> Occurrences(IReadOnlyList<CommandLineSource> sources, string name)
    {
        var list = new List<Occurrence>();
        for (var s = 0; s < sources.Count; s++)
        {
            if (sources[s].Value is not { } v) continue;
            var i = 0;
            foreach (var a in CommandLineText.Find(v, name)) list.Add(new Occurrence(s, i++, a));
        }
        return list;
    }

    private static string EditSource(BootLoader bl, string text, int source, Func<string, string> edit) =>
        bl.SourcesOf(text)[source].Edit(edit);

    /// <summary>Replaces occurrence <paramref name="keep"/> with <paramref name="replacement"/> and removes the others (those with <paramref name="onlyValue"/>, when given).</summary>
    private static string EditOccurrences(string v, string name, int keep, string? replacement, string? onlyValue)
    {
        var found = CommandLineText.Find(v, name);
        for (var i = found.Count - 1; i >= 0; i--)
        {
            if (i == keep) v = CommandLineText.Replace(v, found[i].Range, replacement!);
            else if (onlyValue is null || found[i].Parameter.Value == onlyValue) v = CommandLineText.Remove(v, found[i].Range);
        }
        return v;
    }
}
