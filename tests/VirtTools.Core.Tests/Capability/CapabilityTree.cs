using VirtTools.Capability;
using VirtTools.Host;
using VirtTools.Testing;

namespace VirtTools.Tests;

/// <summary>A synthetic host root for capability tests; deleted on dispose.</summary>
internal sealed class CapabilityTree : IDisposable
{
    public const string IntelCpu = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz\nflags\t\t: fpu vme lm vmx ept x2apic\n\n";
    public const string AmdCpu = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7543 32-Core Processor\nflags\t\t: fpu lm svm sev sev_es npt\n\n";
    public const string NoVtCpu = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8375C\nflags\t\t: fpu lm hypervisor\n\n";

    public CapabilityTree(string cpuinfo = IntelCpu, bool withDev = true)
    {
        Root = Path.Combine(Path.GetTempPath(), "vt-cap-" + Guid.NewGuid().ToString("N"));
        Builder = new SysfsTreeBuilder(Root).Proc("cpuinfo", cpuinfo).File("/proc/sys/kernel/osrelease", "6.4.0-150600.23-default\n");
        if (withDev) Builder.EnsureDir("/dev");
    }

    public string Root { get; }
    public SysfsTreeBuilder Builder { get; }

    public CapabilityTree File(string hostPath, string content)
    {
        Builder.File(hostPath, content);
        return this;
    }

    public CapabilityTree Dir(string hostPath)
    {
        Builder.EnsureDir(hostPath);
        return this;
    }

    public HostFacts Facts(IDeviceAccessProbe? access = null) => new CapabilityReader(new DiskFileSystem(Root), access).ReadFacts();

    public HostCapability Read(IDeviceAccessProbe? access = null) => Facts(access).Capability;

    public void Dispose()
    {
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}

internal sealed class ScriptedAccess : IDeviceAccessProbe
{
    private readonly bool? _answer;
    public ScriptedAccess(bool? answer) => _answer = answer;
    public List<string> Asked { get; } = new();
    public bool? CanReadWrite(string hostPath)
    {
        Asked.Add(hostPath);
        return _answer;
    }
}

internal sealed class ScriptedRunner : IProcessRunner
{
    private readonly Func<string, IReadOnlyList<string>, ProcessResult> _answer;
    public ScriptedRunner(Func<string, IReadOnlyList<string>, ProcessResult> answer) => _answer = answer;
    public List<string> Ran { get; } = new();
    public ProcessResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        Ran.Add(program + " " + string.Join(' ', arguments));
        return _answer(program, arguments);
    }
}
