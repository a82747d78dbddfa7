namespace VirtTools.Acceptance;

/// <summary>Paths inside the repository the tests run from.</summary>
public static class Repo
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        var env = Environment.GetEnvironmentVariable("VIRTTOOLS_REPO");
        if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "VirtTools.psd1"))) return d.FullName;
        throw new InvalidOperationException("Cannot find the repository root (VirtTools.psd1) above " + AppContext.BaseDirectory);
    });

    /// <summary>The folder holding VirtTools.psd1 (VIRTTOOLS_REPO overrides).</summary>
    public static string Root => RootPath.Value;

    public static string Combine(params string[] parts) => Path.GetFullPath(Path.Combine([Root, .. parts]));

    public static string PesterLiteModule => Combine("tests", "PesterLite", "PesterLite.psm1");

    /// <summary>The runner's own sample files (they fail on purpose; never under tests/Pester).</summary>
    public static string TestData => Combine("tests", "VirtTools.Acceptance.Tests", "testdata");
}
