namespace VirtTools.Capability;

/// <summary>
/// The facts VirtTools needs from /proc/cpuinfo. Its shape differs per architecture (x86 "flags",
/// arm64 "Features" + "CPU implementer", s390 "features" + "facilities", POWER "cpu"), so the
/// first processor's block and a few global lines are enough.
/// </summary>
public sealed class CpuInfo
{
    public string? Architecture { get; private init; }
    public string? Vendor { get; private init; }
    public string? Model { get; private init; }
    public IReadOnlySet<string> Flags { get; private init; } = new HashSet<string>();
    /// <summary>s390 facility numbers (158 = protected virtualization host).</summary>
    public IReadOnlySet<int> Facilities { get; private init; } = new HashSet<int>();
    public bool IsX86 => Architecture is "x86_64" or "i686";

    /// <summary>False when nothing in the text looked like cpuinfo (no architecture, vendor, model or flags).</summary>
    public bool IsRecognized => Architecture is not null || Vendor is not null || Model is not null || Flags.Count > 0;

    // The implementer codes of Documentation/arch/arm64/cpu-feature-registers and util-linux lscpu-arm.c.
    private static readonly Dictionary<int, string> ArmImplementers = new()
    {
        [0x41] = "ARM", [0x42] = "Broadcom", [0x43] = "Cavium", [0x46] = "Fujitsu", [0x48] = "HiSilicon",
        [0x4e] = "NVIDIA", [0x50] = "APM", [0x51] = "Qualcomm", [0x53] = "Samsung", [0x56] = "Marvell",
        [0x61] = "Apple", [0x69] = "Intel", [0xc0] = "Ampere",
    };

    public static CpuInfo Parse(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('#')) continue;
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            // Keep the first processor's value: later blocks repeat it, and hybrid CPUs differ only in model.
            fields.TryAdd(key, value);
        }

        string? F(string k) => fields.TryGetValue(k, out var v) && v.Length > 0 ? v : null;
        var flagText = F("flags") ?? F("features") ?? F("Features") ?? "";
        var flags = new HashSet<string>(flagText.Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
        var facilities = new HashSet<int>();
        foreach (var f in (F("facilities") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (int.TryParse(f, out var n)) facilities.Add(n);

        string? arch = null, vendor = F("vendor_id"), model = F("model name");
        if (vendor == "IBM/S390")
        {
            arch = flags.Contains("zarch") ? "s390x" : "s390";
            model = fields.Keys.FirstOrDefault(k => k.StartsWith("processor ", StringComparison.Ordinal)) is { } p
                && fields[p].Split("machine =", 2) is { Length: 2 } m ? "IBM " + m[1].Trim() : null;
        }
        else if (F("CPU implementer") is { } impl)
        {
            var archNum = F("CPU architecture");
            arch = archNum is "8" or "AArch64" || flags.Contains("asimd") ? "aarch64" : "arm";
            var code = ParseHex(impl);
            vendor = code is int c && ArmImplementers.TryGetValue(c, out var name) ? name : impl;
            model = F("model name") ?? (F("CPU part") is { } part ? $"part {part}" : null);
        }
        else if (F("cpu") is { } ppc && (ppc.StartsWith("POWER", StringComparison.OrdinalIgnoreCase) || F("platform") is not null && F("timebase") is not null))
        {
            arch = "ppc64";
            vendor = "IBM";
            model = ppc;
        }
        else if (F("isa") is { } isa && isa.StartsWith("rv", StringComparison.Ordinal))
        {
            arch = isa.StartsWith("rv64", StringComparison.Ordinal) ? "riscv64" : "riscv32";
            vendor = F("mvendorid");
            model = F("uarch") ?? F("model name");
        }
        else if (F("arch") is "IA-64")
        {
            arch = "ia64";
            vendor = F("vendor");
            model = F("family");
        }
        else if (F("cpu") is { } sparc && sparc.Contains("Sparc", StringComparison.OrdinalIgnoreCase))
        {
            arch = "sparc64";
            vendor = "Sun/Oracle";
            model = sparc;
        }
        else if (F("CPU Family") is { } loong && loong.StartsWith("Loongson", StringComparison.OrdinalIgnoreCase))
        {
            arch = "loongarch64";
            vendor = "Loongson";
            model = F("Model Name") ?? F("model name");
        }
        else if (vendor is not null && F("flags") is not null)
        {
            arch = flags.Contains("lm") ? "x86_64" : "i686";
        }

        return new CpuInfo { Architecture = arch, Vendor = vendor, Model = model, Flags = flags, Facilities = facilities };
    }

    private static int? ParseHex(string s)
    {
        s = s.Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        return int.TryParse(s, System.Globalization.NumberStyles.HexNumber, null, out var v) ? v : null;
    }

    /// <summary>vmx, svm, sie, None, or null where cpuinfo does not show hardware virtualization.</summary>
    public string? HardwareVirtualization => Architecture switch
    {
        "x86_64" or "i686" => Flags.Contains("vmx") ? "vmx" : Flags.Contains("svm") ? "svm" : "None",
        "s390x" or "s390" => Flags.Contains("sie") ? "sie" : "None",
        _ => null,
    };
}
