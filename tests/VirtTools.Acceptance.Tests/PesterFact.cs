using Xunit.Abstractions;
using Xunit.Sdk;

namespace VirtTools.Acceptance;

/// <summary>
/// Turns every It of every *.Tests.ps1 under <see cref="Folder"/> (relative to the repository root, searched
/// recursively as Invoke-Pester -Path does) into
/// its own xUnit test, named by its Pester path ("Get-PciDevice > Filters > by class"), plus one test
/// per file for what belongs to no It (discovery, BeforeAll/AfterAll of the file and its blocks).
/// The method receives (file relative to the root, test key).
/// </summary>
[XunitTestCaseDiscoverer("VirtTools.Acceptance.PesterTestDiscoverer", "VirtTools.Acceptance.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class PesterFactAttribute(string folder) : FactAttribute
{
    public string Folder { get; } = folder;
}

public sealed class PesterTestDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    /// <summary>The key of a file's own test (discovery and block-level setup and teardown).</summary>
    public const string FileKey = "";

    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute)
    {
        var folder = Repo.Combine(attribute.GetConstructorArguments().Cast<string>().Single());
        if (!Directory.Exists(folder)) yield break;
        var display = options.MethodDisplayOrDefault();
        var displayOptions = options.MethodDisplayOptionsOrDefault();
        foreach (var file in Directory.GetFiles(folder, "*.Tests.ps1", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(Repo.Root, file);
            var name = Path.GetFileName(file);
            var found = PesterHost.Run(file, discoveryOnly: true);
            foreach (var (key, test) in found.Keyed())
                yield return new PesterTestCase(diagnostics, display, displayOptions, method, relative, key,
                    key, test.Skip ? "Skipped in the Pester file (-Skip, or an It without a body)" : null);
            yield return new PesterTestCase(diagnostics, display, displayOptions, method, relative, FileKey,
                $"{name} (discovery, setup and teardown)", null);
        }
    }
}

public sealed class PesterTestCase : XunitTestCase
{
    private string _display = "";
    private string? _skip;

    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public PesterTestCase() { }

    public PesterTestCase(IMessageSink diagnostics, TestMethodDisplay display, TestMethodDisplayOptions displayOptions,
        ITestMethod method, string file, string key, string displayName, string? skipReason)
        : base(diagnostics, display, displayOptions, method, [file, key])
    {
        _display = displayName;
        _skip = skipReason;
    }

    protected override string GetDisplayName(IAttributeInfo factAttribute, string displayName) => _display;

    protected override string? GetSkipReason(IAttributeInfo factAttribute) => _skip;

    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("PesterDisplay", _display);
        data.AddValue("PesterSkip", _skip);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        _display = data.GetValue<string>("PesterDisplay");
        _skip = data.GetValue<string?>("PesterSkip");
        base.Deserialize(data);
    }
}
